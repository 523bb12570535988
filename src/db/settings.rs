//! `company_settings`: the organisation's one row of settings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use uuid::Uuid;

use super::DbConn;
use super::schema::company_settings;
use crate::domain::settings::AllocationOrder;

/// The row of `company_settings`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = company_settings, check_for_backend(diesel::pg::Pg))]
#[serde(rename_all = "camelCase")]
pub struct CompanySettings {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub currency: String,
    pub currency_symbol: String,
    pub date_format: String,
    pub time_format: String,
    pub timezone: String,
    pub logo_url: Option<String>,
    pub favicon_url: Option<String>,
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
    pub accent_color: Option<String>,
    pub theme_mode: Option<String>,
    pub maintenance_mode: bool,
    pub maintenance_message: Option<String>,
    pub penalty_grace_days: i32,
    pub default_grace_days: i32,
    pub allocation_order: AllocationOrder,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The editable settings, all of them (an update replaces the row's values).
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = company_settings, treat_none_as_null = true)]
pub struct SettingsFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub currency: String,
    pub currency_symbol: String,
    pub date_format: String,
    pub time_format: String,
    pub timezone: String,
    pub logo_url: Option<String>,
    pub favicon_url: Option<String>,
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
    pub accent_color: Option<String>,
    pub theme_mode: Option<String>,
    pub maintenance_mode: bool,
    pub maintenance_message: Option<String>,
    pub penalty_grace_days: i32,
    pub default_grace_days: i32,
    pub allocation_order: AllocationOrder,
}

impl From<&CompanySettings> for SettingsFields {
    fn from(row: &CompanySettings) -> Self {
        Self {
            name: row.name.clone(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            address: row.address.clone(),
            currency: row.currency.clone(),
            currency_symbol: row.currency_symbol.clone(),
            date_format: row.date_format.clone(),
            time_format: row.time_format.clone(),
            timezone: row.timezone.clone(),
            logo_url: row.logo_url.clone(),
            favicon_url: row.favicon_url.clone(),
            primary_color: row.primary_color.clone(),
            secondary_color: row.secondary_color.clone(),
            accent_color: row.accent_color.clone(),
            theme_mode: row.theme_mode.clone(),
            maintenance_mode: row.maintenance_mode,
            maintenance_message: row.maintenance_message.clone(),
            penalty_grace_days: row.penalty_grace_days,
            default_grace_days: row.default_grace_days,
            allocation_order: row.allocation_order,
        }
    }
}

/// The settings (the migration inserts the row).
pub async fn get(conn: &mut DbConn) -> QueryResult<CompanySettings> {
    company_settings::table
        .select(CompanySettings::as_select())
        .first(conn)
        .await
}

/// The settings, locked until the transaction ends.
pub async fn get_for_update(conn: &mut DbConn) -> QueryResult<CompanySettings> {
    company_settings::table
        .select(CompanySettings::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Whether maintenance mode is on: one cheap read per request that holds a mutation.
pub async fn maintenance_mode(conn: &mut DbConn) -> QueryResult<(bool, Option<String>)> {
    company_settings::table
        .select((
            company_settings::maintenance_mode,
            company_settings::maintenance_message,
        ))
        .first(conn)
        .await
}

pub async fn update(
    conn: &mut DbConn,
    fields: &SettingsFields,
    now: DateTime<Utc>,
) -> QueryResult<CompanySettings> {
    diesel::update(company_settings::table)
        .set((fields, company_settings::updated_at.eq(now)))
        .returning(CompanySettings::as_returning())
        .get_result(conn)
        .await
}
