//! Company settings: read by every member of staff (the public part by anybody), changed by
//! administrators with validation and an audit row; and maintenance mode.

use scoped_futures::ScopedFutureExt;

use super::audit;
use super::{Caller, ServiceError, ServiceResult, check, optional, required};
use crate::db;
use crate::db::settings::{CompanySettings, SettingsFields};
use crate::domain::audit::{AuditAction, ENTITY_COMPANY_SETTINGS};
use crate::domain::permissions;
use crate::domain::settings::{self as rules, AllocationOrder};
use crate::state::AppState;

/// The settings, for any member of staff.
pub async fn get(state: &AppState) -> ServiceResult<CompanySettings> {
    let mut conn = state.db.get().await?;
    Ok(db::settings::get(&mut conn).await?)
}

/// Whether maintenance mode is on, and its message.
pub async fn maintenance(state: &AppState) -> ServiceResult<(bool, Option<String>)> {
    let mut conn = state.db.get().await?;
    Ok(db::settings::maintenance_mode(&mut conn).await?)
}

/// Changes to the settings; `None` keeps a value, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub currency: Option<String>,
    pub currency_symbol: Option<String>,
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    pub timezone: Option<String>,
    pub logo_url: Option<Option<String>>,
    pub favicon_url: Option<Option<String>>,
    pub primary_color: Option<Option<String>>,
    pub secondary_color: Option<Option<String>>,
    pub accent_color: Option<Option<String>>,
    pub theme_mode: Option<Option<String>>,
    pub maintenance_mode: Option<bool>,
    pub maintenance_message: Option<Option<String>>,
    pub penalty_grace_days: Option<i32>,
    pub default_grace_days: Option<i32>,
    pub allocation_order: Option<AllocationOrder>,
}

fn text(given: &Option<Option<String>>, current: &Option<String>) -> Option<String> {
    match given {
        Some(value) => optional(value.as_deref()),
        None => current.clone(),
    }
}

fn colour(
    field: &str,
    given: &Option<Option<String>>,
    current: &Option<String>,
) -> ServiceResult<Option<String>> {
    let value = text(given, current);
    if given.is_some()
        && let Some(value) = &value
        && !rules::is_colour(value)
    {
        return Err(ServiceError::bad_input(
            field,
            "A colour is written #rgb or #rrggbb.",
        ));
    }
    Ok(value)
}

impl SettingsUpdate {
    fn apply(&self, current: &CompanySettings) -> ServiceResult<SettingsFields> {
        let mut fields = SettingsFields::from(current);
        if let Some(name) = &self.name {
            fields.name = required("name", name)?;
        }
        if let Some(email) = &self.email {
            fields.email = optional(email.as_deref())
                .map(|raw| {
                    crate::domain::email::normalize(&raw)
                        .map_err(|err| ServiceError::bad_input("email", err.to_string()))
                })
                .transpose()?;
        }
        fields.phone = text(&self.phone, &current.phone);
        fields.address = text(&self.address, &current.address);
        if let Some(currency) = &self.currency {
            let currency = currency.trim().to_owned();
            if !rules::is_currency_code(&currency) {
                return Err(ServiceError::bad_input(
                    "currency",
                    "A currency is a three-letter ISO 4217 code, such as NGN.",
                ));
            }
            fields.currency = currency;
        }
        if let Some(symbol) = &self.currency_symbol {
            fields.currency_symbol = required("currencySymbol", symbol)?;
        }
        if let Some(format) = &self.date_format {
            fields.date_format = required("dateFormat", format)?;
        }
        if let Some(format) = &self.time_format {
            fields.time_format = required("timeFormat", format)?;
        }
        if let Some(timezone) = &self.timezone {
            let timezone = timezone.trim().to_owned();
            if !rules::is_time_zone(&timezone) {
                return Err(ServiceError::bad_input(
                    "timezone",
                    "A time zone is an IANA name such as Africa/Lagos.",
                ));
            }
            fields.timezone = timezone;
        }
        fields.logo_url = text(&self.logo_url, &current.logo_url);
        fields.favicon_url = text(&self.favicon_url, &current.favicon_url);
        fields.primary_color = colour("primaryColor", &self.primary_color, &current.primary_color)?;
        fields.secondary_color = colour(
            "secondaryColor",
            &self.secondary_color,
            &current.secondary_color,
        )?;
        fields.accent_color = colour("accentColor", &self.accent_color, &current.accent_color)?;
        fields.theme_mode = text(&self.theme_mode, &current.theme_mode);
        if let Some(mode) = self.maintenance_mode {
            fields.maintenance_mode = mode;
        }
        fields.maintenance_message = text(&self.maintenance_message, &current.maintenance_message);
        for (field, given, target) in [
            (
                "penaltyGraceDays",
                self.penalty_grace_days,
                &mut fields.penalty_grace_days,
            ),
            (
                "defaultGraceDays",
                self.default_grace_days,
                &mut fields.default_grace_days,
            ),
        ] {
            if let Some(days) = given {
                if !(0..=365).contains(&days) {
                    return Err(ServiceError::bad_input(
                        field,
                        "Grace days are between 0 and 365.",
                    ));
                }
                *target = days;
            }
        }
        if let Some(order) = self.allocation_order {
            fields.allocation_order = order;
        }
        Ok(fields)
    }
}

/// Changes the settings (administrators).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    update: &SettingsUpdate,
) -> ServiceResult<CompanySettings> {
    check(
        permissions::can_manage_configuration(&caller.actor),
        "Settings",
    )?;
    let now = state.clock.now();
    super::transaction(state, |conn| {
        async move {
            let before = db::settings::get_for_update(conn).await?;
            let fields = update.apply(&before)?;
            let after = db::settings::update(conn, &fields, now).await?;
            audit::change(
                conn,
                caller,
                AuditAction::SettingsUpdated,
                ENTITY_COMPANY_SETTINGS,
                after.id,
                Some(&before),
                Some(&after),
                now,
            )
            .await?;
            Ok(after)
        }
        .scope_boxed()
    })
    .await
}
