//! The `millennium` command line: parse, set up logging, load the configuration, call the
//! library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use millennium::config::{Config, Secret};
use millennium::db::migrations;
use millennium::seed;
use millennium::server::{self, Database};
use millennium::services::staff;

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
        Command::Schema { .. } => Ok(()),
    }
}

async fn migrate(action: MigrateAction, database: &Database) -> anyhow::Result<()> {
    let url = database.migration_url();
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
