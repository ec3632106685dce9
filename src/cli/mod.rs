//! Command-line interface: argument parsing, dispatch and output formatting only; the
//! protocol lives in the library layers below.

pub mod args;
pub mod commands;
pub mod exit;
pub mod output;
pub mod session;

use std::io::Write as _;

use clap::Parser as _;

use args::Cli;
use exit::{ExitCode, Failure};
use output::{OutputOptions, Template};

/// Runs the CLI on the process arguments and returns the process exit code.
pub fn main() -> i32 {
    main_from(std::env::args_os())
}

/// Runs the CLI on `args` (the first one is the program name) and returns the exit code.
/// Used by `main` and by the quickstart example, which drives the CLI in-process.
pub fn main_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    // Known before parsing, so that a usage error under --json is JSON too.
    let json = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    JSON_ERRORS.store(json, std::sync::atomic::Ordering::Relaxed);
    hide_links(&args);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if !e.use_stderr() || e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
                // --help, --version, or no command at all: clap's full text.
                let _ = e.print();
                return if e.use_stderr() {
                    ExitCode::Usage.code()
                } else {
                    ExitCode::Ok.code()
                };
            }
            report(&Failure::usage(usage_line(&e)));
            return ExitCode::Usage.code();
        }
    };
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    init_tracing(&cli);
    match run(&cli) {
        Ok(()) => ExitCode::Ok.code(),
        Err(f) => {
            report(&f);
            f.code.code()
        }
    }
}

/// clap's usage error as one line: its first paragraph (the message and, e.g., the
/// possible values or the missing arguments), without the `error: ` prefix.
fn usage_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let para: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = para.join(" ");
    let msg = joined.strip_prefix("error: ").unwrap_or(&joined);
    let msg = if msg.is_empty() {
        "invalid arguments"
    } else {
        msg
    };
    match suggestion(e) {
        Some(s) => format!("{msg}; did you mean '{s}'? (see --help)"),
        None => format!("{msg} (see --help)"),
    }
}

/// clap's "a similar subcommand/argument exists" for an unknown one (`lst`, `--objets`).
fn suggestion(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .find_map(|k| match e.get(k)? {
            ContextValue::String(s) => Some(s.clone()),
            ContextValue::Strings(v) => v.first().cloned(),
            _ => None,
        })
}

/// Prints one failure line on stderr.
/// `-q`: notices and warnings are not printed (errors still are). Set once parsed.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Arguments never repeated on stderr, longest first, and what is shown instead: every
/// `http(s)://` argument (a sharing link is a credential, see `drive::sharing_url`; so is
/// the redirect URL `auth` reads, with its code), shown by scheme and host only. Set
/// from the raw arguments before parsing, so that usage errors are covered too.
static HIDDEN: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

/// Fills [`HIDDEN`] from the process arguments (an option's `=value` included).
fn hide_links(args: &[std::ffi::OsString]) {
    let mut pairs: Vec<(String, String)> = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .flat_map(|a| [Some(a), a.split_once('=').map(|(_, v)| v)])
        .flatten()
        .filter_map(|a| {
            let link = crate::drive::sharing_url::SharingUrl::parse(a)?;
            Some((a, link.host_only()))
        })
        // Read as a path (`-p`), the argument loses its slashes at either end.
        .flat_map(|(a, stand_in)| {
            [
                (a.to_owned(), stand_in.clone()),
                (a.trim_matches('/').to_owned(), stand_in),
            ]
        })
        .collect();
    pairs.sort_by_key(|(raw, _)| std::cmp::Reverse(raw.len()));
    let _ = HIDDEN.set(pairs);
}

/// `message` as one line, with hidden arguments replaced.
fn shown(message: &str) -> String {
    let mut m = one_line(message);
    for (raw, stand_in) in HIDDEN.get().into_iter().flatten() {
        m = m.replace(raw.as_str(), stand_in);
    }
    m
}

/// Prints a notice or warning on stderr (`onedrive-cli: …`), unless `-q` was given.
pub fn notice(message: &str) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = writeln!(std::io::stderr(), "onedrive-cli: {}", shown(message));
    }
}

/// Whether failures are reported as JSON objects (`--json`), set once at start-up.
static JSON_ERRORS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints one failure on stderr: one line `onedrive-cli: …`, or under `--json` one
/// JSON object per line (see [`Failure::to_json`]).
pub fn report(f: &Failure) {
    if JSON_ERRORS.load(std::sync::atomic::Ordering::Relaxed) {
        let mut f = f.clone();
        f.message = shown(&f.message);
        let _ = writeln!(std::io::stderr(), "{}", f.to_json());
    } else {
        let _ = writeln!(std::io::stderr(), "onedrive-cli: {}", shown(&f.message));
    }
}

/// Control characters (a newline in a file name or in a service message) escaped, so a
/// failure is always exactly one line.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn run(cli: &Cli) -> Result<(), Failure> {
    // Bad input fails before any request.
    let opts = OutputOptions::from_cli(cli)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(ExitCode::Error, format!("cannot start runtime: {e}")))?;
    let result = rt.block_on(commands::run(cli))?;
    if let Some(out) = result {
        if let Some(t) = &opts.template {
            warn_if_unmatched(
                &out.value,
                out.human_value.as_ref(),
                t,
                cli.object_key.as_deref(),
            );
        }
        // The command's own human layout unless --json, -k or --raw asks for values;
        // -k and --raw pick from the human mapping (quota's `free`, …), and -k from
        // the result itself when the human mapping lacks its keys (`-k total quota`).
        let text = match (out.human, out.human_value) {
            (Some(h), _) if !opts.json && !opts.raw && opts.template.is_none() => h,
            (_, Some(hv)) if !opts.json => {
                let t = output::render(&hv, &opts);
                if t.is_empty() && opts.template.is_some() {
                    output::render(&out.value, &opts)
                } else {
                    t
                }
            }
            _ => output::render(&out.value, &opts),
        };
        output::print(&text)?;
    }
    Ok(())
}

/// `-k` with a key no result object has would print nothing and exit 0, which reads
/// as "nothing there": say so on stderr (a typo such as `-k nmae`).
fn warn_if_unmatched(
    value: &serde_json::Value,
    human: Option<&serde_json::Value>,
    t: &Template,
    spec: Option<&str>,
) {
    use serde_json::Value;
    // The result objects (an object, or a list's objects), by reference: a listing of
    // 100,000 items is not copied to be checked.
    fn objects(v: &Value) -> impl Iterator<Item = &Value> {
        let (one, many) = match v {
            Value::Object(_) => (Some(v), None),
            Value::Array(items) => (None, Some(items.iter().filter(|i| i.is_object()))),
            _ => (None, None),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
    let mut candidates = objects(value)
        .chain(human.into_iter().flat_map(objects))
        .peekable();
    if candidates.peek().is_some() && candidates.all(|o| t.render(o).is_none()) {
        notice(&format!(
            "warning: -k {}: no result has these keys",
            spec.unwrap_or("")
        ));
    }
}

/// What goes to stderr besides errors: `--debug` every request; `-v` notices (retries,
/// waits, resumes); on a terminal, the waits the service asks for (a two-minute
/// `Retry-After` must not look like a hang); `-q` nothing but errors.
fn init_tracing(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let filter = if cli.debug {
        EnvFilter::new("onedrive_cli=debug")
    } else if cli.quiet {
        EnvFilter::new("error")
    } else if cli.verbose {
        EnvFilter::new("warn,onedrive_cli=info")
    } else if let Ok(f) = EnvFilter::try_from_env("ONEDRIVE_CLI_LOG") {
        f
    } else if terminal {
        EnvFilter::new(format!("warn,{}=info", crate::http::WAIT_TARGET))
    } else {
        EnvFilter::new("warn")
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}
