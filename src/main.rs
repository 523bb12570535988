//! The `millennium` command line: parse, set up logging, load the configuration, call the
//! library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use millennium::config::{Config, Secret};
use millennium::db::migrations;
use millennium::seed;
use millennium::server::{self, Database};
use millennium::services::staff;

/// mimalloc rather than glibc's malloc: answering GraphQL allocates and frees thousands of small
/// values per request, and this alone raised throughput by a fifth or more (see README,
/// Benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "millennium",
    version,
    about = "The Millennium loan book: a GraphQL API for union-based microfinance."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default). Without DATABASE_URL, runs its own PostgreSQL under DATA_DIR.
    Serve,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Manage staff accounts.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The GraphQL schema.
    Schema {
        #[command(subcommand)]
        action: SchemaAction,
    },
    /// Verify the money invariants (SPEC 5.3) over the whole database and print each
    /// violation; exits with 1 when there is one.
    Check,
    /// Fill an empty loan book with example data.
    Seed {
        #[command(subcommand)]
        action: SeedAction,
    },
    /// Take, list and restore backups (kept in the object store: DATA_DIR/files or STORAGE_URL).
    Backup {
        #[command(subcommand)]
        action: BackupAction,
    },
    /// Bring data across from another system.
    Import {
        #[command(subcommand)]
        action: ImportAction,
    },
}

#[derive(Subcommand)]
enum BackupAction {
    /// Take a backup of the whole database now.
    Create {
        /// Leave the audit log out.
        #[arg(long)]
        no_audit_logs: bool,
        /// Include the staff's sessions (restoring then keeps everybody logged in).
        #[arg(long)]
        sessions: bool,
    },
    /// List the backups, newest first.
    List,
    /// Replace ALL data by a backup: a backup's id or file name in the store, or a backup file
    /// on this machine. The file is checked first and a safety backup is taken.
    Restore {
        /// A backup's id or file name, or the path of a backup file.
        backup: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Run,
    /// Revert the most recent migration.
    Revert {
        /// Revert every migration.
        #[arg(long)]
        all: bool,
    },
    /// Revert the most recent migration and apply it again.
    Redo,
    /// List the migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an administrator. The password comes from ADMIN_PASSWORD or a prompt.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "System")]
        first_name: String,
        #[arg(long, default_value = "Administrator")]
        last_name: String,
    },
}

#[derive(Subcommand)]
enum SeedAction {
    /// Create a demo organisation (staff, unions, members, loan products, document types) with
    /// six months of loan history, and print its logins. Runs only on a database without
    /// business data.
    Demo {
        /// Copies of the organisation: staff, unions, members and loans multiply by it (100
        /// gives about 200,000 loans).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(seed::MAX_SCALE)))]
        scale: u32,
    },
}

#[derive(Subcommand)]
enum ImportAction {
    /// Import a backup file of the original system (its "Create backup" JSON) into a database
    /// without business data, in one transaction; prints what was imported, repaired and
    /// refused.
    LegacyBackup {
        /// The backup file.
        file: std::path::PathBuf,
        /// Do everything, then roll it back: nothing is written.
        #[arg(long)]
        dry_run: bool,
        /// Also write the summary as JSON to this file.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum SchemaAction {
    /// Print the GraphQL SDL (the content of schema.graphql).
    Print,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema {
        action: SchemaAction::Print,
    }) = cli.command
    {
        print!("{}", millennium::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    // A missing .env is normal; an unreadable or malformed one is a configuration error.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("configuration error: .env {err}");
        return ExitCode::from(2);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    millennium::telemetry::init(config.env);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => server::serve(config).await,
        Command::Migrate { action } => {
            server::with_database(&config, async |database| migrate(action, database).await).await
        }
        Command::Admin {
            action:
                AdminAction::Create {
                    email,
                    first_name,
                    last_name,
                },
        } => {
            let new = staff::NewStaff {
                first_name,
                last_name,
                ..staff::NewStaff::admin(email, admin_password()?)
            };
            let user = server::create_admin(&config, &new).await?;
            println!("Created administrator {} ({}).", user.email, user.id);
            Ok(())
        }
        Command::Seed {
            action: SeedAction::Demo { scale },
        } => {
            let options = seed::Options {
                scale,
                progress: true,
            };
            print!("{}", server::seed_demo(&config, options).await?);
            Ok(())
        }
        Command::Check => {
            let report = server::check(&config).await?;
            for violation in &report.violations {
                println!("{violation}");
            }
            if report.violations.is_empty() {
                println!(
                    "{} loans checked: every money invariant holds.",
                    report.loans
                );
                Ok(())
            } else {
                anyhow::bail!(
                    "{} loans checked: {} violation(s) of the money invariants",
                    report.loans,
                    report.violations.len()
                )
            }
        }
        Command::Backup { action } => backup(action, &config).await,
        Command::Import {
            action:
                ImportAction::LegacyBackup {
                    file,
                    dry_run,
                    report,
                },
        } => {
            let summary = server::import_legacy(&config, &file, dry_run).await?;
            print!("{summary}");
            if let Some(report) = report {
                let json = serde_json::to_vec_pretty(&summary)?;
                std::fs::write(&report, json)
                    .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", report.display()))?;
                println!("The summary is also in {}.", report.display());
            }
            Ok(())
        }
        Command::Schema { .. } => Ok(()),
    }
}

async fn migrate(action: MigrateAction, database: &Database) -> anyhow::Result<()> {
    let url = database.migration_endpoint();
    match action {
        MigrateAction::Run => {
            let applied = migrations::run_pending(url).await?;
            if applied.is_empty() {
                println!("Nothing to apply: the schema is up to date.");
            }
            for name in applied {
                println!("Applied {name}");
            }
        }
        MigrateAction::Revert { all: true } => {
            for name in migrations::revert_all(url).await? {
                println!("Reverted {name}");
            }
        }
        MigrateAction::Revert { all: false } => match migrations::revert_last(url).await? {
            Some(name) => println!("Reverted {name}"),
            None => println!("Nothing to revert."),
        },
        MigrateAction::Redo => match migrations::redo_last(url).await? {
            Some(name) => println!("Redid {name}"),
            None => println!("Nothing to redo."),
        },
        MigrateAction::Status => {
            for migration in migrations::status(url).await? {
                let mark = if migration.applied {
                    "applied"
                } else {
                    "pending"
                };
                println!("{mark:8} {}", migration.name);
            }
        }
    }
    Ok(())
}

async fn backup(action: BackupAction, config: &Config) -> anyhow::Result<()> {
    match action {
        BackupAction::Create {
            no_audit_logs,
            sessions,
        } => {
            let contents = millennium::backup::format::Contents {
                include_audit_logs: !no_audit_logs,
                include_sessions: sessions,
            };
            let record = server::backup_create(config, contents).await?;
            println!(
                "Created {} ({} bytes, sha256 {}), id {}.",
                record.file_name,
                record.size_bytes.unwrap_or_default(),
                record.sha256.as_deref().unwrap_or("-"),
                record.id
            );
        }
        BackupAction::List => {
            let (records, schedule, location) = server::backup_list(config).await?;
            println!("Backups in {location} ({schedule}):");
            if records.is_empty() {
                println!("  none");
            }
            for record in records {
                println!(
                    "  {}  {:<11} {:<9} {:>12} bytes  {}  {}{}",
                    record.created_at.format("%Y-%m-%d %H:%M:%S"),
                    record.status.as_str(),
                    record.kind.as_str(),
                    record.size_bytes.unwrap_or_default(),
                    record.id,
                    record.file_name,
                    record
                        .error_message
                        .map(|error| format!("  ({error})"))
                        .unwrap_or_default()
                );
            }
        }
        BackupAction::Restore { backup, yes } => {
            let restored = server::backup_restore(config, &backup, async |name| {
                if yes {
                    return Ok(true);
                }
                confirm_restore(name)
            })
            .await?;
            let Some(restored) = restored else {
                println!("Nothing was changed.");
                return Ok(());
            };
            let rows: u64 = restored.manifest.row_counts.values().sum();
            println!(
                "Restored {rows} rows of the backup taken {} by {}.",
                restored.manifest.created_at, restored.manifest.created_by
            );
            println!(
                "The data as it was before is in the safety backup {} (id {}).",
                restored.safety_backup.file_name, restored.safety_backup.id
            );
            if restored.sessions_cleared {
                println!("The backup held no sessions: everybody must log in again.");
            }
        }
    }
    Ok(())
}

/// Asks the operator to type the backup's name; refuses without a terminal.
fn confirm_restore(name: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("restoring replaces ALL data: pass --yes to confirm without a terminal");
    }
    print!("Restoring replaces ALL data with {name}.\nType the name to confirm: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == name)
}

/// `ADMIN_PASSWORD`, or asked twice on the terminal without echo.
fn admin_password() -> anyhow::Result<Secret> {
    if let Ok(password) = std::env::var("ADMIN_PASSWORD") {
        return Ok(Secret::new(password));
    }
    let first = rpassword::prompt_password("Password for the new administrator: ")?;
    let second = rpassword::prompt_password("Repeat the password: ")?;
    if first != second {
        anyhow::bail!("the two passwords differ");
    }
    Ok(Secret::new(first))
}
