//! The command line (clap derive). Flags are parsed here and turned into
//! the component's requests; `main` only dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "host-runner",
    version,
    about = "Generate, inspect and clean realistic mock data in a Bustly warehouse (Supabase), through the sandboxed bustly-mock-data component.",
    after_help = "Environments come from config/supabase.json (staging, production, ...) and config/local.json (local, written by scripts/local-warehouse start).\nExamples:\n  host-runner generate shopify --env local\n  host-runner generate all comprehensive --env local --seed 7\n  host-runner status --env local\n  host-runner report shopify --env local\n  host-runner clean shopify --confirm --env local"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Environment to use (local, staging, production, ...). Default:
    /// MOCK_DATA_ENV, else defaultEnv in config/supabase.json, else staging.
    #[arg(long, global = true, value_name = "ENV")]
    pub env: Option<String>,
    /// The folder holding supabase.json (and local.json); also
    /// BUSTLY_MOCK_CONFIG_DIR. Default: this repository's config/ when run
    /// inside it, then ~/.config/bustly-mock-data (see `host-runner config`).
    // Read without clap's `env`, so `config` can tell the flag from the variable.
    #[arg(long, global = true, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// The component (.wasm). Default: the one built into this binary.
    #[arg(long, global = true, value_name = "FILE", env = "BUSTLY_MOCK_COMPONENT")]
    pub component: Option<PathBuf>,
    /// Print the JSON result (the agent form) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show debug lines.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Longest a tool call may run, in seconds (default 3600). Past it,
    /// writes stop and the run is rolled back; then the call is ended.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Let agents (mcp, call) write to production when their call confirms
    /// it (confirm_production); without this flag they cannot.
    #[arg(long, global = true)]
    pub allow_production: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate mock data for a platform (or all of them).
    Generate(Generate),
    /// Rows per table, rows this tool generated, and the runs.
    Status {
        /// A platform, or all (default).
        platform: Option<String>,
    },
    /// Remove the rows this tool generated (needs --confirm).
    Clean(Clean),
    /// How closely generated rows follow the workspace's real ones: per
    /// aspect, SDMetrics' KSComplement / TVComplement, and their mean.
    Report(Report),
    /// The platforms and their tables.
    Platforms,
    /// The tools' definitions as JSON (name, description, inputSchema).
    Tools,
    /// Serve the tools over MCP (stdio JSON-RPC) for agent hosts.
    Mcp,
    /// Which configuration files are used, and where they are looked up
    /// (never shows a key).
    Config,
    /// Print a shell completion script: e.g. `host-runner completions bash
    /// > ~/.local/share/bash-completion/completions/host-runner`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Call a tool by name with JSON arguments, as an agent host would.
    Call {
        /// generate_mock_data, get_mock_data_status or clean_mock_data.
        tool: String,
        /// The arguments as a JSON object; `-` reads them from stdin.
        #[arg(default_value = "{}")]
        arguments: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Strategy {
    Smart,
    Minimal,
    Comprehensive,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Conflict {
    Fail,
    Skip,
    Update,
}

#[derive(Args, Debug)]
pub struct Generate {
    /// shopify, bigcommerce, woocommerce, magento, google-ads, a
    /// comma-separated list of them (generated together), or all.
    pub platform: String,
    /// smart scales what the workspace has; minimal is ~10 orders;
    /// comprehensive ~500.
    #[arg(value_enum, default_value = "smart")]
    pub strategy: Strategy,
    /// Exact number of orders, instead of the strategy's (not capped).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Generate and validate everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Same seed, same data: the seed also fixes the run id.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// When the seed's run already has rows.
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict: Conflict,
    /// Rows per insert request (default 1000).
    #[arg(long, value_name = "ROWS")]
    pub batch_size: Option<u32>,
    /// End of the generated period (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Needed to write to a production environment.
    #[arg(long)]
    pub confirm_production: bool,
    /// Insert requests in flight at most (default 16; the window adapts
    /// below it: it grows while the warehouse keeps up, halves when it
    /// pushes back).
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<u32>,
    /// Write files here instead of to a warehouse (one per table, named in
    /// load order); needs no configuration and no warehouse.
    #[arg(long, value_name = "DIR", conflicts_with = "dry_run")]
    pub out: Option<std::path::PathBuf>,
    /// The files' format.
    #[arg(long, value_enum, default_value = "csv", requires = "out")]
    pub format: FileFormat,
    /// The workspace id the files' rows carry (default: the configured
    /// environment's, else the local warehouse's `local-workspace`).
    #[arg(long, value_name = "ID", requires = "out")]
    pub workspace: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FileFormat {
    Csv,
    Ndjson,
    Sql,
}

#[derive(Args, Debug)]
pub struct Report {
    /// shopify, bigcommerce, woocommerce, magento, google-ads, a
    /// comma-separated list of them, or all.
    pub platform: String,
    /// Only this run's generated rows (default: every generated row).
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    /// Also write the report as one self-contained HTML page (charts of
    /// each aspect, printable) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct Clean {
    /// A platform, or all.
    pub platform: String,
    /// Yes, delete the generated rows.
    #[arg(long)]
    pub confirm: bool,
    /// Only this run's rows (as printed by generate and status).
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    /// Needed to delete from a production environment.
    #[arg(long)]
    pub confirm_production: bool,
}
