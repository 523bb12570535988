//! Bounded analysis of a request's document, before anything else walks it (SPEC 7).
//!
//! async-graphql's own passes (recursion depth, complexity, depth, validation) expand fragment
//! spreads without memory, so a small document of chained fragments makes them exponential,
//! and a cycle makes them recurse until the limit. This module runs first and costs time linear
//! in the document:
//!
//! 1. a lexical scan counts tokens and bracket nesting, so that the parser only ever sees a
//!    document within the budget;
//! 2. the fragments are put in dependency order — a cycle is refused — and each is summarised
//!    once (selections once expanded, depth, introspection depth, aliases);
//! 3. the operations' expanded size, depth (introspection counted apart), aliases, directives
//!    and required variables are checked;
//! 4. the root fields of the operation to run are listed, for the rules about batches and
//!    sensitive operations.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Request, ServerError, Value, Variables};

use super::error::{ClientError, ErrorCode};
use crate::config::Limits;

/// Bracket nesting a document may reach (the parser's own recursion limit is 64 selection sets).
pub const MAX_NESTING: usize = 64;
/// Depth of an introspection selection (`__schema`, `__type`), counted apart from the depth
/// limit: graphql-js's standard introspection query reaches 13, a circular one goes on.
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// Directives on one field, fragment or operation (`@include` and `@skip` are all there are).
pub const MAX_DIRECTIVES: usize = 4;

/// The root fields that read the schema.
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// What one request may still cost. A batch shares one budget: each operation's analysis takes
/// its share with [`Budget::spend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Lexical tokens (names, values, punctuation) of the documents.
    pub tokens: usize,
    /// Selections (fields, fragment spreads, inline fragments) once fragments are expanded.
    pub nodes: usize,
    /// Field depth, introspection apart.
    pub depth: usize,
    /// Aliased fields, once fragments are expanded.
    pub aliases: usize,
}

impl Budget {
    pub fn new(limits: &Limits) -> Self {
        Self {
            tokens: limits.query_tokens,
            nodes: limits.query_nodes,
            depth: limits.query_depth,
            aliases: limits.query_aliases,
        }
    }

    /// Takes what `analysis` used.
    pub fn spend(&mut self, analysis: &Analysis) {
        self.tokens = self.tokens.saturating_sub(analysis.tokens);
        self.nodes = self.nodes.saturating_sub(analysis.nodes);
        self.aliases = self.aliases.saturating_sub(analysis.aliases);
    }
}

/// What the analysis learnt about a request.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub tokens: usize,
    pub nodes: usize,
    pub aliases: usize,
    pub operation: OperationInfo,
}

/// The operation a request will run.
#[derive(Debug, Clone)]
pub struct OperationInfo {
    /// Its name in the document (`None`: anonymous).
    pub name: Option<String>,
    pub kind: OperationType,
    /// Its root fields, fragments at the root expanded, one per response key.
    pub root_fields: Vec<RootField>,
}

impl OperationInfo {
    /// Whether the operation reads the schema.
    pub fn introspects(&self) -> bool {
        self.root_fields
            .iter()
            .any(|field| INTROSPECTION_FIELDS.contains(&field.name.as_str()))
    }
}

/// A root field as written in the document, its arguments resolved against the variables
/// (`None` where a variable is missing).
#[derive(Debug, Clone)]
pub struct RootField {
    pub name: Name,
    pub arguments: Vec<(Name, Option<Value>)>,
}

/// Analyses `request` within `budget`: scans, parses (the parsed document stays in the request
/// for execution), and checks. A refusal is a request error coded `BAD_USER_INPUT`.
pub fn analyze(request: &mut Request, budget: &Budget) -> Result<Analysis, ServerError> {
    let tokens = scan(&request.query, budget.tokens).map_err(ClientError::into_server_error)?;
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let document = request.parsed_query().map_err(|error| {
        let mut error = error;
        error.extensions = ClientError::new(ErrorCode::BadUserInput, "")
            .into_server_error()
            .extensions;
        error
    })?;
    let summaries = summarize_fragments(document)?;
    let mut nodes = 0usize;
    let mut aliases = 0usize;
    for (_, operation) in document.operations.iter() {
        let summary = summarize(&operation.node.selection_set.node, &summaries)?;
        check_directives(&operation.node.directives)?;
        nodes = nodes.saturating_add(summary.nodes);
        aliases = aliases.saturating_add(summary.aliases);
        if nodes > budget.nodes {
            return Err(refuse(format!(
                "The query selects too much: more than {} fields and fragments once fragments \
                 are expanded. Ask for less, or split it into several requests.",
                budget.nodes
            )));
        }
        if summary.depth > budget.depth {
            return Err(refuse(format!(
                "The query is nested {} levels deep; the limit is {}.",
                summary.depth, budget.depth
            )));
        }
        if summary.introspection_depth > MAX_INTROSPECTION_DEPTH {
            return Err(refuse(format!(
                "The introspection query is nested {} levels deep; the limit is \
                 {MAX_INTROSPECTION_DEPTH}.",
                summary.introspection_depth
            )));
        }
    }
    if aliases > budget.aliases {
        return Err(refuse(format!(
            "The query uses too many aliases: more than {} once fragments are expanded.",
            budget.aliases
        )));
    }
    let (name, operation) = select_operation(document, operation_name.as_deref())?;
    check_variables(operation, &variables)?;
    Ok(Analysis {
        tokens,
        nodes,
        aliases,
        operation: OperationInfo {
            name: name.map(|name| name.to_string()),
            kind: operation.ty,
            root_fields: root_fields(document, &operation.selection_set.node, &variables),
        },
    })
}

fn refuse(message: String) -> ServerError {
    ClientError::new(ErrorCode::BadUserInput, message).into_server_error()
}

/// Counts the document's tokens and checks its bracket nesting, without allocating. Strings
/// and comments are skipped as the GraphQL lexer would; anything malformed is left for the
/// parser to report.
pub fn scan(query: &str, max_tokens: usize) -> Result<usize, ClientError> {
    let bytes = query.as_bytes();
    let mut tokens = 0usize;
    let mut nesting = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                nesting += 1;
                if nesting > MAX_NESTING {
                    return Err(ClientError::new(
                        ErrorCode::BadUserInput,
                        format!("The query nests brackets more than {MAX_NESTING} levels deep."),
                    ));
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                nesting = nesting.saturating_sub(1);
                i += 1;
            }
            b'.' => {
                while i < bytes.len() && bytes[i] == b'.' {
                    i += 1;
                }
            }
            // A number: digits, sign, exponent and one decimal point.
            b'-' | b'0'..=b'9' => {
                while i < bytes.len() && (is_word(bytes[i]) || bytes[i] == b'.') {
                    i += 1;
                }
            }
            _ if is_word(byte) => {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        tokens += 1;
        if tokens > max_tokens {
            return Err(ClientError::new(
                ErrorCode::BadUserInput,
                format!(
                    "The query is too long: a request may hold at most {max_tokens} tokens \
                     (names, values and punctuation). Split it into several requests."
                ),
            ));
        }
    }
    Ok(tokens)
}

/// Names and numbers (`-1.5e3` included).
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'+')
}

/// The cost of a selection set once its fragments are expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    /// Selections (fields, spreads, inline fragments).
    nodes: usize,
    /// Field depth outside introspection.
    depth: usize,
    /// Field depth counting every field, for use under an introspection field.
    full_depth: usize,
    /// Depth of the deepest introspection selection, from its root field.
    introspection_depth: usize,
    aliases: usize,
}

impl Summary {
    /// Adds a fragment's (or inline fragment's) contents: one more node, no more depth.
    fn include(&mut self, inner: &Summary) {
        self.nodes = self.nodes.saturating_add(1).saturating_add(inner.nodes);
        self.aliases = self.aliases.saturating_add(inner.aliases);
        self.depth = self.depth.max(inner.depth);
        self.full_depth = self.full_depth.max(inner.full_depth);
        self.introspection_depth = self.introspection_depth.max(inner.introspection_depth);
    }
}

/// Summarises a selection set, taking fragment spreads from `fragments`. Recursion follows the
/// document's own nesting, which the scan bounded.
fn summarize(
    set: &SelectionSet,
    fragments: &HashMap<&str, Summary>,
) -> Result<Summary, ServerError> {
    let mut summary = Summary::default();
    for selection in &set.items {
        check_directives(selection.node.directives())?;
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                let inner = summarize(&field.selection_set.node, fragments)?;
                summary.nodes = summary.nodes.saturating_add(1).saturating_add(inner.nodes);
                let aliased = field
                    .alias
                    .as_ref()
                    .is_some_and(|alias| alias.node != field.name.node);
                summary.aliases = summary
                    .aliases
                    .saturating_add(inner.aliases)
                    .saturating_add(usize::from(aliased));
                let full_depth = inner.full_depth + 1;
                summary.full_depth = summary.full_depth.max(full_depth);
                if INTROSPECTION_FIELDS.contains(&field.name.node.as_str()) {
                    summary.introspection_depth = summary.introspection_depth.max(full_depth);
                } else {
                    summary.depth = summary.depth.max(inner.depth + 1);
                    summary.introspection_depth =
                        summary.introspection_depth.max(inner.introspection_depth);
                }
            }
            Selection::InlineFragment(fragment) => {
                let inner = summarize(&fragment.node.selection_set.node, fragments)?;
                summary.include(&inner);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                // An unknown fragment is reported by validation; here it costs nothing more.
                let inner = fragments.get(name).copied().unwrap_or_default();
                summary.include(&inner);
            }
        }
    }
    Ok(summary)
}

/// Summarises every fragment once, dependencies first; refuses a cycle.
fn summarize_fragments(
    document: &ExecutableDocument,
) -> Result<HashMap<&str, Summary>, ServerError> {
    let mut summaries = HashMap::with_capacity(document.fragments.len());
    for name in dependency_order(document)? {
        if let Some(fragment) = document.fragments.get(name) {
            check_directives(&fragment.node.directives)?;
            let summary = summarize(&fragment.node.selection_set.node, &summaries)?;
            summaries.insert(name, summary);
        }
    }
    Ok(summaries)
}

/// The fragments, each after every fragment it spreads; a cycle is refused with its path.
fn dependency_order(document: &ExecutableDocument) -> Result<Vec<&str>, ServerError> {
    let spreads: HashMap<&str, Vec<&str>> = document
        .fragments
        .iter()
        .map(|(name, fragment)| {
            let mut names = Vec::new();
            spreads_in(&fragment.node.selection_set.node, &mut names);
            (name.as_str(), names)
        })
        .collect();
    let mut order = Vec::with_capacity(spreads.len());
    let mut done: HashSet<&str> = HashSet::with_capacity(spreads.len());
    let mut names: Vec<&str> = spreads.keys().copied().collect();
    names.sort_unstable();
    for start in names {
        if done.contains(start) {
            continue;
        }
        // An explicit stack of (fragment, next dependency to visit): no recursion, whatever
        // the length of a chain.
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: HashSet<&str> = HashSet::from([start]);
        while let Some((current, next)) = path.last_mut() {
            let dependencies = spreads.get(*current).map_or(&[][..], Vec::as_slice);
            if let Some(&dependency) = dependencies.get(*next) {
                *next += 1;
                if on_path.contains(dependency) {
                    let mut cycle: Vec<&str> = path
                        .iter()
                        .map(|(name, _)| *name)
                        .skip_while(|name| *name != dependency)
                        .collect();
                    cycle.push(dependency);
                    return Err(refuse(format!(
                        "Fragment \"{dependency}\" spreads itself ({}); fragments cannot form \
                         cycles.",
                        cycle.join(" → ")
                    )));
                }
                if !done.contains(dependency) && spreads.contains_key(dependency) {
                    on_path.insert(dependency);
                    path.push((dependency, 0));
                }
            } else {
                let finished = *current;
                path.pop();
                on_path.remove(finished);
                done.insert(finished);
                order.push(finished);
            }
        }
    }
    Ok(order)
}

/// The fragment names spread anywhere in `set`, each once.
fn spreads_in<'a>(set: &'a SelectionSet, names: &mut Vec<&'a str>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, names),
            Selection::InlineFragment(fragment) => {
                spreads_in(&fragment.node.selection_set.node, names);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
}

fn check_directives<T>(directives: &[T]) -> Result<(), ServerError> {
    if directives.len() > MAX_DIRECTIVES {
        return Err(refuse(format!(
            "At most {MAX_DIRECTIVES} directives may be applied to one field, fragment or \
             operation."
        )));
    }
    Ok(())
}

/// The operation named by `operationName`, or the only one, with its name (an anonymous
/// operation is the document's only one).
fn select_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Result<(Option<&'a Name>, &'a OperationDefinition), ServerError> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Ok((None, &operation.node)),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get_key_value(name)
            .map(|(name, operation)| (Some(name), &operation.node))
            .ok_or_else(|| refuse(format!("The document has no operation named \"{name}\"."))),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, operation)| (Some(name), &operation.node))
            .ok_or_else(|| refuse("The document holds no operation.".into())),
        (DocumentOperations::Multiple(_), None) => Err(refuse(
            "The document holds several operations: name the one to run in operationName.".into(),
        )),
    }
}

/// A required variable without a default must be given, and not as null.
fn check_variables(
    operation: &OperationDefinition,
    variables: &Variables,
) -> Result<(), ServerError> {
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let required = !definition.var_type.node.nullable && definition.default_value.is_none();
        let given = variables
            .get(&definition.name.node)
            .is_some_and(|value| *value != Value::Null);
        if required && !given {
            let name = &definition.name.node;
            let mut error = ClientError::new(
                ErrorCode::BadUserInput,
                format!(
                    "Variable \"${name}\" of required type \"{}\" was not provided.",
                    definition.var_type.node
                ),
            );
            error.extra.push(("field", name.as_str().into()));
            return Err(error.into_server_error());
        }
    }
    Ok(())
}

/// The root fields of `set`, root-level fragments expanded once each, one per response key.
fn root_fields(
    document: &ExecutableDocument,
    set: &SelectionSet,
    variables: &Variables,
) -> Vec<RootField> {
    fn collect<'a>(
        document: &'a ExecutableDocument,
        set: &'a SelectionSet,
        variables: &Variables,
        visited: &mut HashSet<&'a str>,
        keys: &mut HashSet<&'a str>,
        fields: &mut Vec<RootField>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if keys.insert(field.response_key().node.as_str()) {
                        let arguments = field
                            .arguments
                            .iter()
                            .map(|(name, value)| {
                                let value = value.node.clone().into_const_with(|variable| {
                                    variables.get(&variable).cloned().ok_or(())
                                });
                                (name.node.clone(), value.ok())
                            })
                            .collect();
                        fields.push(RootField {
                            name: field.name.node.clone(),
                            arguments,
                        });
                    }
                }
                Selection::InlineFragment(fragment) => {
                    collect(
                        document,
                        &fragment.node.selection_set.node,
                        variables,
                        visited,
                        keys,
                        fields,
                    );
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) = document.fragments.get(name)
                        && visited.insert(name)
                    {
                        collect(
                            document,
                            &fragment.node.selection_set.node,
                            variables,
                            visited,
                            keys,
                            fields,
                        );
                    }
                }
            }
        }
    }
    let mut fields = Vec::new();
    collect(
        document,
        set,
        variables,
        &mut HashSet::new(),
        &mut HashSet::new(),
        &mut fields,
    );
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            tokens: 20_000,
            nodes: 10_000,
            depth: 12,
            aliases: 50,
        }
    }

    fn run(query: &str) -> Result<Analysis, String> {
        let mut request = Request::new(query);
        analyze(&mut request, &budget()).map_err(|error| error.message)
    }

    #[test]
    fn counts_tokens_skipping_strings_and_comments() {
        assert_eq!(scan("{ me { id } }", 100).expect("ok"), 6);
        assert_eq!(
            scan("# a comment { { {\n{ a(x: \"{ [ ( \\\" \") }", 100).expect("ok"),
            8
        );
        assert_eq!(
            scan("{ a(x: \"\"\" { \\\"\"\" ( \"\"\") ...F }", 100).expect("ok"),
            10
        );
        assert_eq!(scan("{ a(x: -1.5e3, y: [1, 2]) }", 100).expect("ok"), 14);
        assert!(scan("{ a b c d }", 5).is_err());
        let deep = format!("{}{}", "{a".repeat(65), "}".repeat(65));
        assert!(
            scan(&deep, 100_000)
                .expect_err("too deep")
                .message
                .contains("nests")
        );
    }

    #[test]
    fn a_fragment_cycle_is_refused_with_its_path() {
        let message =
            run("query { ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }")
                .expect_err("cycle");
        assert!(message.contains("A → B → A"), "{message}");
        let message =
            run("query{...F} fragment F on QueryRoot{...F ...F ...F}").expect_err("cycle");
        assert!(message.contains("F → F"), "{message}");
    }

    #[test]
    fn chained_fragments_are_counted_once_expanded_in_linear_time() {
        // 40 fragments, each spreading the next three times: 3^40 selections once expanded.
        let mut query = String::from("query { ...F0 }");
        for i in 0..40 {
            query.push_str(&format!(
                " fragment F{i} on QueryRoot {{ ...F{n} ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F40 on QueryRoot { __typename }");
        let message = run(&query).expect_err("too big");
        assert!(message.contains("selects too much"), "{message}");
        // Within the budget the count is exact: the spread of A, and three of B with its field.
        let small = run("query { ...A } fragment A on QueryRoot { ...B ...B ...B } fragment B on QueryRoot { __typename }")
            .expect("small");
        assert_eq!(small.nodes, 1 + 3 * 2);
    }

    #[test]
    fn depth_excludes_introspection_which_has_its_own_bound() {
        // `levels` nested fields around a leaf: levels + 1 deep.
        let nested =
            |levels: usize| format!("{{ {}id{} }}", "me { ".repeat(levels), " }".repeat(levels));
        assert!(run(&nested(11)).is_ok());
        let message = run(&nested(12)).expect_err("too deep");
        assert!(message.contains("13 levels"), "{message}");

        let of_type = |levels: usize| {
            format!(
                "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
                "ofType { ".repeat(levels),
                " }".repeat(levels)
            )
        };
        // Deeper than the depth limit, within the introspection bound.
        assert!(run(&of_type(10)).is_ok());
        let message = run(&of_type(20)).expect_err("too deep");
        assert!(message.contains("introspection"), "{message}");
    }

    #[test]
    fn aliases_and_directives_are_bounded() {
        let aliases: String = (0..51).map(|i| format!("a{i}: __typename ")).collect();
        assert!(
            run(&format!("{{ {aliases} }}"))
                .expect_err("too many")
                .contains("aliases")
        );
        let directives = "@skip(if: false) ".repeat(5);
        assert!(
            run(&format!("{{ __typename {directives} }}"))
                .expect_err("too many")
                .contains("directives")
        );
    }

    #[test]
    fn root_fields_expand_root_fragments_once_per_response_key() {
        let analysis = run(
            "mutation { ...A ...A a: login(email: \"x\", password: \"y\") } fragment A on MutationRoot { a: login(email: \"x\", password: \"y\") b: logout }",
        )
        .expect("ok");
        let names: Vec<&str> = analysis
            .operation
            .root_fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(names, ["login", "logout"]);
        assert_eq!(analysis.operation.kind, OperationType::Mutation);
    }

    #[test]
    fn the_operation_is_chosen_by_name_and_required_variables_are_checked() {
        let mut request = Request::new("query A { me { id } } mutation B { logout }");
        let none = analyze(&mut request, &budget()).expect_err("ambiguous");
        assert!(none.message.contains("operationName"), "{}", none.message);
        let mut request = request.operation_name("B");
        let chosen = analyze(&mut request, &budget()).expect("named");
        assert_eq!(chosen.operation.kind, OperationType::Mutation);
        assert_eq!(chosen.operation.name.as_deref(), Some("B"));
        // A named operation is known by its name without operationName; an anonymous one has
        // none.
        let mut request = Request::new("query Loans { me { id } }");
        let only = analyze(&mut request, &budget()).expect("the only one");
        assert_eq!(only.operation.name.as_deref(), Some("Loans"));
        let mut request = Request::new("{ me { id } }");
        let anonymous = analyze(&mut request, &budget()).expect("anonymous");
        assert_eq!(anonymous.operation.name, None);

        let mut request = Request::new("query($id: ID!) { user(id: $id) { id } }");
        let missing = analyze(&mut request, &budget()).expect_err("missing");
        assert!(missing.message.contains("$id"), "{}", missing.message);
    }
}
