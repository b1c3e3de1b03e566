//! The command line: arguments, and what each command does.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use linkwell_app::users::{
    AdminError, RESET_LINK_HOURS, add_user, add_user_with_password, issue_reset_link, reset_path,
};
use linkwell_domain::identity::{EmailAddress, Secret, UserInput};
use linkwell_domain::organisations::{OdsCode, parse_slug};
use linkwell_domain::validation::required_text;
use linkwell_store::audit::ChainReport;
use linkwell_store::{Actor, Db, OrgScope, StoreError};
use linkwell_web::{AppState, Config};

#[derive(Parser, Debug)]
#[command(name = "linkwell", version, about = "Linkwell: run a social prescribing service")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// A SQLite file path (or sqlite:PATH) or a postgres:// URL.
    #[arg(long, env = "LINKWELL_DATABASE_URL", default_value = "linkwell.db")]
    database: String,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LINKWELL_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Mark cookies Secure: set this when Linkwell is served over HTTPS.
    #[arg(long, env = "LINKWELL_SECURE_COOKIES", default_value_t = false)]
    secure_cookies: bool,
    /// A load balancer or proxy in front of Linkwell (an address or a network like
    /// 10.0.0.0/8), whose X-Forwarded-For names the client. Repeat, or separate with commas.
    #[arg(long = "trusted-proxy", env = "LINKWELL_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Let messaging settings name loopback, private and link-local hosts (an SMTP relay on
    /// this machine or network). Off: only public addresses, so stored secrets cannot be
    /// sent to internal services.
    #[arg(long, env = "LINKWELL_ALLOW_PRIVATE_MESSAGING_HOSTS", default_value_t = false)]
    allow_private_messaging_hosts: bool,
    /// Where people reach this service, such as https://linkwell.example.org: the start of
    /// the links in messages to group members. Default: the address it listens on.
    #[arg(long, env = "LINKWELL_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application (migrating the database first).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Create (or reuse) a demo database with a realistic organisation, and serve it.
    Demo {
        /// The demo database (a SQLite file by default).
        #[arg(long, env = "LINKWELL_DATABASE_URL", default_value = "linkwell-demo.db")]
        database: String,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Apply database migrations and report the schema version.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Organisations (tenants).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens for integrations.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Load open data and other directories.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Write an organisation's data out.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// The directory's listings as CSV (the import template's columns), to standard output.
    Services {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Postcode coordinates from the ONS Postcode Directory or OS Code-Point Open (CSV),
    /// for distances in the directory. Loading again replaces points already loaded.
    Postcodes {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file (ONSPD's full file, or one or more Code-Point Open area files in turn).
        file: std::path::PathBuf,
    },
    /// Listings from a CSV sheet (the template's columns; see the import page), into an
    /// organisation's directory. All or nothing: each problem is listed by line and column.
    Services {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        file: std::path::PathBuf,
    },
    /// Another directory's Open Referral UK feed, into an organisation's directory: from a
    /// file (a service, a page, a list or NDJSON) or the feed's URL (its pages are walked).
    /// Importing again updates what was imported; records that cannot be used are listed.
    Oruk {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        /// A file, or the feed's base URL such as https://example.org/oruk/ (or a .json URL).
        source: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// Short name used on the command line, e.g. riverside-pcn.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Accept test NHS numbers (999 range).
        #[arg(long, default_value_t = false)]
        test_mode: bool,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Args, Debug)]
struct OrgArg {
    /// The organisation's short name.
    #[arg(long)]
    org: String,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user. Without --password-stdin, prints a one-time link to set a password.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, coordinator, link_worker, referrer, facilitator or commissioner.
        #[arg(long)]
        role: String,
        /// The ODS code of a referrer's practice.
        #[arg(long)]
        practice: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, default_value_t = false)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
    },
    /// Disable a user: their sessions and tokens stop working at once.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        #[arg(long)]
        email: String,
    },
    /// Issue a one-time password-reset link.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create an API token for a user; it is shown once.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. "GP system integration".
        #[arg(long)]
        name: String,
    },
    /// Revoke an API token by id.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
        #[arg(long)]
        id: String,
    },
    /// List API tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        org: OrgArg,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check every organisation's hash chain; exit 1 and name the first broken entry if any.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Check only this organisation.
        #[arg(long)]
        org: Option<String>,
        /// A file written earlier by `linkwell audit head` and kept outside the database:
        /// each head in it must still be in the chain with the same hash, or the trail was
        /// rewritten since (which a chain rebuilt by someone with database access hides).
        #[arg(long)]
        against: Option<std::path::PathBuf>,
    },
    /// Print each organisation's chain head (`slug sequence hash`), to keep somewhere the
    /// database's users cannot write (a ticket, an email, write-once storage).
    Head {
        #[command(flatten)]
        db: DbArgs,
        /// Only this organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

pub async fn open(database: &str) -> anyhow::Result<Db> {
    let db = Db::connect(database).await.with_context(|| "could not open the database".to_string())?;
    db.migrate().await.context("could not migrate the database")?;
    Ok(db)
}

async fn scope(db: &Db, slug: &str) -> anyhow::Result<OrgScope> {
    match db.organisation_by_slug(slug).await {
        Ok(o) => Ok(OrgScope::new(o.id)),
        Err(StoreError::NotFound) => {
            bail!("no organisation with the short name {slug:?} (see `linkwell org list`)")
        }
        Err(e) => Err(e.into()),
    }
}

/// Open the database and find the organisation named by `--org`.
async fn open_org(db: &DbArgs, org: &OrgArg) -> anyhow::Result<(Db, OrgScope)> {
    let db = open(&db.database).await?;
    let scope = scope(&db, &org.org).await?;
    Ok((db, scope))
}

async fn user_by_email(db: &Db, scope: &OrgScope, email: &str) -> anyhow::Result<linkwell_store::users::User> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    match db.user_for_sign_in(&email).await {
        Ok((u, _)) if u.organisation_id == scope.organisation_id() => Ok(u),
        Ok(_) | Err(StoreError::NotFound) => bail!("no user with that email in this organisation"),
        Err(e) => Err(e.into()),
    }
}

pub async fn serve(db: Db, args: &ServeArgs, banner: Option<String>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let config = Config {
        secure_cookies: args.secure_cookies,
        trusted_proxies: args.trusted_proxies.clone(),
        allow_private_messaging_hosts: args.allow_private_messaging_hosts,
        public_url: args.public_url.clone().unwrap_or_else(|| format!("http://{addr}")),
        ..Config::default()
    };
    let state = AppState::new(db, config);
    if let Some(b) = banner {
        println!("{b}");
    }
    println!("Linkwell is running at http://{addr}/  (Ctrl-C to stop)");
    tracing::info!(%addr, "listening");
    linkwell_web::serve(state, listener).await?;
    Ok(())
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { db, serve: args } => {
            let db = open(&db.database).await?;
            serve(db, &args, None).await?;
        }
        Command::Demo { database, serve: args } => {
            let db = open(&database).await?;
            let banner = crate::demo::ensure(&db).await?;
            serve(db, &args, Some(banner)).await?;
        }
        Command::Migrate { db } => {
            let db = open(&db.database).await?;
            println!("schema version {}", db.schema_version().await?);
        }
        Command::Org { command } => match command {
            OrgCommand::Create { db, slug, name, test_mode } => {
                let slug = parse_slug(&slug).map_err(|e| anyhow!("--slug: {e}"))?;
                let name = required_text("the organisation name", &name, 200).map_err(|e| anyhow!("--name: {e}"))?;
                let db = open(&db.database).await?;
                match db.create_organisation(&slug, &name, test_mode).await {
                    Ok(o) => println!("created organisation {} ({})", o.slug, o.id),
                    Err(StoreError::Duplicate { .. }) => {
                        bail!("--slug: an organisation called {slug:?} already exists")
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            OrgCommand::List { db } => {
                let db = open(&db.database).await?;
                for o in db.organisations().await? {
                    println!("{}\t{}\t{}", o.slug, o.name, o.id);
                }
            }
        },
        Command::User { command } => user(command).await?,
        Command::Token { command } => token(command).await?,
        Command::Import { command: ImportCommand::Postcodes { db, file } } => {
            let db = open(&db.database).await?;
            let reader = std::fs::File::open(&file).with_context(|| format!("could not open {}", file.display()))?;
            let mut rows = crate::import::postcodes::PostcodeFile::new(std::io::BufReader::new(reader))?;
            let mut loaded = 0u64;
            let mut batch = Vec::with_capacity(5000);
            while let Some(row) = rows.next_row()? {
                batch.push(row);
                if batch.len() == 5000 {
                    loaded += db.import_postcodes(batch.drain(..)).await?;
                }
            }
            loaded += db.import_postcodes(batch).await?;
            let districts = db.refresh_district_centroids().await?;
            println!(
                "loaded {loaded} postcodes ({} without a location skipped); {districts} district centroids",
                rows.skipped
            );
        }
        Command::Import { command: ImportCommand::Services { db, org, file } } => {
            let (db, scope) = open_org(&db, &org).await?;
            let data = std::fs::read(&file).with_context(|| format!("could not read {}", file.display()))?;
            let (report, _) =
                linkwell_app::directory::csv::import(&db, &scope, &Actor::system(), &data, linkwell_app::today())
                    .await?;
            if !report.errors.is_empty() {
                for e in &report.errors {
                    eprintln!("{e}");
                }
                bail!("nothing was imported: {} problems in {}", report.errors.len(), file.display());
            }
            println!(
                "imported {} listings ({} new, {} updated)",
                report.created + report.updated,
                report.created,
                report.updated
            );
        }
        Command::Export { command: ExportCommand::Services { db, org } } => {
            let (db, scope) = open_org(&db, &org).await?;
            let csv = linkwell_app::directory::csv::export(&db, &scope).await?;
            std::io::Write::write_all(&mut std::io::stdout(), &csv)?;
        }
        Command::Import { command: ImportCommand::Oruk { db, org, source } } => {
            let (db, scope) = open_org(&db, &org).await?;
            let records = crate::import::oruk::read(&source).await?;
            let (report, _) =
                linkwell_app::directory::oruk_import::store(&db, &scope, &records, &source, linkwell_app::today())
                    .await?;
            println!(
                "imported {} services ({} new, {} updated); {} not imported",
                report.created + report.updated,
                report.created,
                report.updated,
                report.rejected.len()
            );
            for r in &report.rejected {
                println!("  {r}");
            }
            // A script running the import must notice records left out.
            if !report.rejected.is_empty() {
                eprintln!("error: {} services were not imported (listed above)", report.rejected.len());
                return Ok(ExitCode::from(2));
            }
        }
        Command::Audit { command: AuditCommand::Head { db, org } } => {
            let db = open(&db.database).await?;
            for o in audited_organisations(&db, org).await? {
                let (seq, hash) = db.audit_head(&OrgScope::new(o.id)).await?;
                println!("{}", linkwell_domain::audit::WitnessedHead { organisation: o.slug, seq, hash }.line());
            }
        }
        Command::Audit { command: AuditCommand::Verify { db, org, against } } => {
            let db = open(&db.database).await?;
            // Read the witness first: a file that cannot be read is a usage error, not a verdict.
            let witnessed = match &against {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("--against: could not read {}", path.display()))?;
                    linkwell_domain::audit::parse_witness(&text)
                        .map_err(|e| anyhow!("--against: {}: {e}", path.display()))?
                }
                None => vec![],
            };
            let one = org.is_some();
            let orgs = audited_organisations(&db, org).await?;
            let mut broken = false;
            for w in &witnessed {
                let Some(o) = orgs.iter().find(|o| o.slug == w.organisation) else {
                    // With --org, the file's other organisations are not this check's business.
                    if !one {
                        broken = true;
                        println!("{}: BROKEN: the witnessed organisation is not in this database", w.organisation);
                    }
                    continue;
                };
                let scope = OrgScope::new(o.id);
                if w.seq == 0 {
                    continue;
                }
                match db.audit_hash_at(&scope, w.seq).await? {
                    Some(h) if h == w.hash => println!("{}: entry {} matches the witnessed head", o.slug, w.seq),
                    Some(_) => {
                        broken = true;
                        println!(
                            "{}: BROKEN: entry {} no longer has the witnessed hash (the trail was rewritten)",
                            o.slug, w.seq
                        );
                    }
                    None => {
                        broken = true;
                        println!("{}: BROKEN: entry {} was witnessed but is no longer in the trail", o.slug, w.seq);
                    }
                }
            }
            for o in orgs {
                match db.verify_audit_chain(&OrgScope::new(o.id)).await? {
                    ChainReport::Intact { entries } => {
                        println!("{}: intact ({entries} entries)", o.slug)
                    }
                    ChainReport::Broken(b) => {
                        broken = true;
                        println!("{}: BROKEN at {b}", o.slug);
                    }
                    ChainReport::Truncated { entries, head_seq } => {
                        broken = true;
                        println!(
                            "{}: BROKEN: entries after {entries} are missing (the chain head is at {head_seq})",
                            o.slug
                        );
                    }
                }
            }
            if broken {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The organisations an audit command covers: the one named, or all.
async fn audited_organisations(
    db: &Db,
    org: Option<String>,
) -> anyhow::Result<Vec<linkwell_store::organisations::Organisation>> {
    Ok(match org {
        Some(slug) => {
            vec![db.organisation_by_slug(&slug).await.map_err(|_| anyhow!("--org: no organisation {slug:?}"))?]
        }
        None => db.organisations().await?,
    })
}

async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { db, org, email, name, role, practice, password_stdin } => {
            let (db, scope) = open_org(&db, &org).await?;
            let practice_id = match practice {
                Some(code) => {
                    let code = OdsCode::parse(&code).map_err(|e| anyhow!("--practice: {e}"))?;
                    let p = db.practices_by_name(&scope).await?.into_iter().find(|p| p.ods_code == code.as_str());
                    Some(
                        p.ok_or_else(|| anyhow!("--practice: no practice with ODS code {code} in this organisation"))?
                            .id
                            .to_string(),
                    )
                }
                None => None,
            };
            let input = UserInput::parse(&name, &email, &role, practice_id.as_deref().unwrap_or("")).map_err(|e| {
                anyhow!(
                    e.errors
                        .iter()
                        .map(|e| format!("--{}: {}", cli_flag(&e.field), e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?;
            let actor = Actor::system();
            let result = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                let password = line.trim_end_matches(['\n', '\r']).to_owned();
                add_user_with_password(&db, &scope, &actor, input, &password).await.map(|u| (u, None))
            } else {
                add_user(&db, &scope, &actor, input).await.map(|(u, link)| (u, Some(link)))
            };
            match result {
                Ok((u, link)) => {
                    println!("created user {} ({})", u.email, u.id);
                    if let Some(link) = link {
                        println!("one-time link to set a password ({RESET_LINK_HOURS} hours): {}", reset_path(&link));
                    }
                }
                Err(AdminError::Invalid(e)) => bail!(
                    e.errors
                        .iter()
                        .map(|e| format!("--{}: {}", cli_flag(&e.field), e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                Err(e) => return Err(e.into()),
            }
        }
        UserCommand::List { db, org } => {
            let (db, scope) = open_org(&db, &org).await?;
            for u in db.users_by_name(&scope).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.email,
                    u.display_name,
                    u.role,
                    if u.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::Disable { db, org, email } => {
            let (db, scope) = open_org(&db, &org).await?;
            let u = user_by_email(&db, &scope, &email).await?;
            db.set_user_disabled(&scope, &Actor::system(), u.id, linkwell_domain::Version(u.version), true).await?;
            println!("disabled {}", u.email);
        }
        UserCommand::ResetPassword { db, org, email } => {
            let (db, scope) = open_org(&db, &org).await?;
            let u = user_by_email(&db, &scope, &email).await?;
            let link = issue_reset_link(&db, &scope, &Actor::system(), u.id).await?;
            println!("one-time link to set a password ({RESET_LINK_HOURS} hours): {}", reset_path(&link));
        }
    }
    Ok(())
}

fn cli_flag(field: &str) -> &str {
    match field {
        "display_name" => "name",
        "practice_id" => "practice",
        other => other,
    }
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { db, org, email, name } => {
            let name = required_text("a token name", &name, 100).map_err(|e| anyhow!("--name: {e}"))?;
            let (db, scope) = open_org(&db, &org).await?;
            let u = user_by_email(&db, &scope, &email).await?;
            if u.disabled {
                bail!("--email: that user is disabled");
            }
            let secret = Secret::generate("lw_");
            let t = db.create_api_token(&scope, &Actor::system(), u.id, &name, &secret.hash()).await?;
            println!("token id {}", t.id);
            println!("{}", secret.expose());
            eprintln!("Store the token now: it is not shown again.");
        }
        TokenCommand::Revoke { db, org, id } => {
            let id = id.parse().map_err(|_| anyhow!("--id: not a token id"))?;
            let (db, scope) = open_org(&db, &org).await?;
            match db.revoke_api_token(&scope, &Actor::system(), id).await {
                Ok(()) => println!("revoked"),
                Err(StoreError::NotFound) => bail!("--id: no active token with that id"),
                Err(e) => return Err(e.into()),
            }
        }
        TokenCommand::List { db, org } => {
            let (db, scope) = open_org(&db, &org).await?;
            for t in db.api_tokens(&scope).await? {
                println!(
                    "{}\t{}\tuser {}\t{}",
                    t.id,
                    t.name,
                    t.user_id,
                    if t.revoked_at.is_some() { "revoked" } else { "active" }
                );
            }
        }
    }
    Ok(())
}
