//! Company settings: `companySettings` (staff), `publicSettings` (anybody, for the login page)
//! and `updateCompanySettings` (administrators).

use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::types::patch;
use crate::db;
use crate::services::settings::{self as service, SettingsUpdate};

/// Whether a repayment pays penalties before or after the installments due.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::settings::AllocationOrder")]
pub enum AllocationOrder {
    PenaltiesFirst,
    PenaltiesLast,
}

/// The organisation's settings.
pub struct CompanySettings(db::settings::CompanySettings);

#[Object]
impl CompanySettings {
    /// The name shown to staff.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email address, lower-case.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number, as entered (e.g. `+2348031234567`).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Postal or street address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// ISO 4217 code of the loan book's currency (default NGN).
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Shown before amounts (default ₦).
    async fn currency_symbol(&self) -> &str {
        &self.0.currency_symbol
    }
    /// How the frontend shows dates, e.g. `DD/MM/YYYY`.
    async fn date_format(&self) -> &str {
        &self.0.date_format
    }
    /// How the frontend shows times, e.g. `HH:mm`.
    async fn time_format(&self) -> &str {
        &self.0.time_format
    }
    /// The company time zone, in which due dates are calendar days (default Africa/Lagos).
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// The organisation's logo, for the frontend.
    async fn logo_url(&self) -> Option<&str> {
        self.0.logo_url.as_deref()
    }
    /// The favicon, for the frontend.
    async fn favicon_url(&self) -> Option<&str> {
        self.0.favicon_url.as_deref()
    }
    /// A colour of the frontend's theme (`#rrggbb`).
    async fn primary_color(&self) -> Option<&str> {
        self.0.primary_color.as_deref()
    }
    /// A colour of the frontend's theme (`#rrggbb`).
    async fn secondary_color(&self) -> Option<&str> {
        self.0.secondary_color.as_deref()
    }
    /// A colour of the frontend's theme (`#rrggbb`).
    async fn accent_color(&self) -> Option<&str> {
        self.0.accent_color.as_deref()
    }
    /// The frontend's theme (e.g. light or dark).
    async fn theme_mode(&self) -> Option<&str> {
        self.0.theme_mode.as_deref()
    }
    /// While on, only administrators can make changes (queries keep working).
    async fn maintenance_mode(&self) -> bool {
        self.0.maintenance_mode
    }
    /// What users see while maintenance mode is on.
    async fn maintenance_message(&self) -> Option<&str> {
        self.0.maintenance_message.as_deref()
    }
    /// Days after a due date before penalties accrue.
    async fn penalty_grace_days(&self) -> i32 {
        self.0.penalty_grace_days
    }
    /// Days after a due date before an installment counts as late.
    async fn default_grace_days(&self) -> i32 {
        self.0.default_grace_days
    }
    async fn allocation_order(&self) -> AllocationOrder {
        self.0.allocation_order.into()
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// What anybody may know before logging in: the organisation's name and look, and whether it
/// is under maintenance.
#[derive(SimpleObject)]
pub struct PublicSettings {
    name: String,
    logo_url: Option<String>,
    favicon_url: Option<String>,
    primary_color: Option<String>,
    secondary_color: Option<String>,
    accent_color: Option<String>,
    theme_mode: Option<String>,
    maintenance_mode: bool,
    maintenance_message: Option<String>,
}

/// Changes to the settings: leave a field out to keep it, send `null` to clear an optional one.
#[derive(InputObject, Default)]
pub struct UpdateCompanySettingsInput {
    name: Option<String>,
    email: MaybeUndefined<String>,
    phone: MaybeUndefined<String>,
    address: MaybeUndefined<String>,
    currency: Option<String>,
    currency_symbol: Option<String>,
    date_format: Option<String>,
    time_format: Option<String>,
    timezone: Option<String>,
    logo_url: MaybeUndefined<String>,
    favicon_url: MaybeUndefined<String>,
    primary_color: MaybeUndefined<String>,
    secondary_color: MaybeUndefined<String>,
    accent_color: MaybeUndefined<String>,
    theme_mode: MaybeUndefined<String>,
    maintenance_mode: Option<bool>,
    maintenance_message: MaybeUndefined<String>,
    penalty_grace_days: Option<i32>,
    default_grace_days: Option<i32>,
    allocation_order: Option<AllocationOrder>,
}

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// The organisation's settings.
    #[graphql(guard = "LoggedIn")]
    async fn company_settings(&self, ctx: &Context<'_>) -> Result<CompanySettings> {
        Ok(CompanySettings(service::get(ctx.state()).await?))
    }

    /// The settings a login page needs; no login required.
    async fn public_settings(&self, ctx: &Context<'_>) -> Result<PublicSettings> {
        let settings = service::get(ctx.state()).await?;
        Ok(PublicSettings {
            name: settings.name,
            logo_url: settings.logo_url,
            favicon_url: settings.favicon_url,
            primary_color: settings.primary_color,
            secondary_color: settings.secondary_color,
            accent_color: settings.accent_color,
            theme_mode: settings.theme_mode,
            maintenance_mode: settings.maintenance_mode,
            maintenance_message: settings.maintenance_message,
        })
    }
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Changes the settings (administrators), maintenance mode included.
    #[graphql(guard = "LoggedIn")]
    async fn update_company_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateCompanySettingsInput,
    ) -> Result<CompanySettings> {
        let caller = ctx.request().caller()?;
        let update = SettingsUpdate {
            name: input.name,
            email: patch(input.email),
            phone: patch(input.phone),
            address: patch(input.address),
            currency: input.currency,
            currency_symbol: input.currency_symbol,
            date_format: input.date_format,
            time_format: input.time_format,
            timezone: input.timezone,
            logo_url: patch(input.logo_url),
            favicon_url: patch(input.favicon_url),
            primary_color: patch(input.primary_color),
            secondary_color: patch(input.secondary_color),
            accent_color: patch(input.accent_color),
            theme_mode: patch(input.theme_mode),
            maintenance_mode: input.maintenance_mode,
            maintenance_message: patch(input.maintenance_message),
            penalty_grace_days: input.penalty_grace_days,
            default_grace_days: input.default_grace_days,
            allocation_order: input.allocation_order.map(Into::into),
        };
        Ok(CompanySettings(
            service::update(ctx.state(), &caller, &update).await?,
        ))
    }
}
