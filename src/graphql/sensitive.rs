//! Sensitive operations (SPEC 7): `login`, `refreshSession`, `changePassword`, and later
//! `resetUserPassword` and `restoreBackup`. Each is declared on its resolver with the
//! `@sensitive` directive, which the committed SDL shows to client developers; the set is read
//! back from the schema itself, so no list of names is kept anywhere else.
//!
//! A sensitive field appears at most once in a request (aliases and batch entries counted) and
//! alone in it, and has a rate limit of its own per client address and account. The account is
//! named by the argument given as `account` (`email` for `login`), or is the caller when none
//! is given. A field whose account is an argument does not need the caller, so a stale bearer
//! token next to it is ignored.

use std::collections::HashMap;

use async_graphql::TypeDirective;
use async_graphql::Value;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

use super::analysis::RootField;

/// A root field that may appear only once per request and alone, with its own rate limit.
/// `account` names the argument identifying the account the call is about; without it, the
/// account is the logged-in caller.
#[TypeDirective(location = "FieldDefinition")]
pub fn sensitive(account: Option<String>) {}

/// The sensitive root fields of a schema, with the argument that names their account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SensitiveFields(HashMap<String, Option<String>>);

impl SensitiveFields {
    /// Reads the `@sensitive` fields of the mutation type from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return Self::default();
        };
        let mutation_type = document
            .definitions
            .iter()
            .find_map(|definition| match definition {
                TypeSystemDefinition::Schema(schema) => schema
                    .node
                    .mutation
                    .as_ref()
                    .map(|name| name.node.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "Mutation".to_owned());
        let mut fields = HashMap::new();
        for definition in &document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let (TypeKind::Object(object), true) =
                (&ty.node.kind, ty.node.name.node.as_str() == mutation_type)
            else {
                continue;
            };
            for field in &object.fields {
                let field = &field.node;
                let Some(directive) = field
                    .directives
                    .iter()
                    .find(|directive| directive.node.name.node == "sensitive")
                else {
                    continue;
                };
                let account = directive
                    .node
                    .get_argument("account")
                    .and_then(|value| match &value.node {
                        Value::String(name) => Some(name.clone()),
                        _ => None,
                    });
                fields.insert(field.name.node.to_string(), account);
            }
        }
        Self(fields)
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The sensitive call `field` makes, with its account taken from its arguments; `None`
    /// when the field is not sensitive.
    pub fn call(&self, field: &RootField) -> Option<SensitiveCall> {
        let account_argument = self.0.get(field.name.as_str())?;
        let account = match account_argument {
            None => Account::Caller,
            Some(argument) => Account::Named(
                field
                    .arguments
                    .iter()
                    .find(|(name, _)| name.as_str() == argument.as_str())
                    .and_then(|(_, value)| match value {
                        Some(Value::String(text)) => Some(text.trim().to_lowercase()),
                        _ => None,
                    })
                    .unwrap_or_default(),
            ),
        };
        Some(SensitiveCall {
            field: field.name.to_string(),
            account,
        })
    }
}

/// A request's one sensitive field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveCall {
    pub field: String,
    pub account: Account,
}

/// Whom a sensitive call is about, for its rate limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Account {
    /// Named by an argument (trimmed and lower-cased): the email of `login`, the token of
    /// `refreshSession`. The call does not need the caller.
    Named(String),
    /// The logged-in caller.
    Caller,
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Variables;

    #[test]
    fn the_schema_declares_its_sensitive_fields() {
        let fields = SensitiveFields::from_sdl(&crate::graphql::sdl());
        assert!(fields.contains("login"));
        assert!(fields.contains("refreshSession"));
        assert!(fields.contains("changePassword"));
        assert!(!fields.contains("logout"));
        assert!(!fields.contains("me"));
        assert_eq!(
            fields.0.get("login"),
            Some(&Some("email".to_owned())),
            "login is rate-limited by the email it names"
        );
        assert_eq!(fields.0.get("changePassword"), Some(&None));
    }

    #[test]
    fn the_account_comes_from_a_literal_or_a_variable() {
        let fields = SensitiveFields(HashMap::from([(
            "login".to_owned(),
            Some("email".to_owned()),
        )]));
        let analysed = |query: &str, variables: serde_json::Value| {
            let mut request =
                async_graphql::Request::new(query).variables(Variables::from_json(variables));
            let budget = crate::graphql::analysis::Budget::new(&crate::config::Limits::default());
            crate::graphql::analysis::analyze(&mut request, &budget)
                .expect("valid")
                .operation
                .root_fields
                .remove(0)
        };
        let literal = analysed(
            "mutation { login(email: \" Ada@Example.org \", password: \"x\") { accessToken } }",
            serde_json::json!({}),
        );
        assert_eq!(
            fields.call(&literal).expect("sensitive").account,
            Account::Named("ada@example.org".into())
        );
        let variable = analysed(
            "mutation($e: String!) { login(email: $e, password: \"x\") { accessToken } }",
            serde_json::json!({ "e": "GRACE@example.org" }),
        );
        assert_eq!(
            fields.call(&variable).expect("sensitive").account,
            Account::Named("grace@example.org".into())
        );
    }
}
