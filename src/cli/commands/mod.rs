//! One module per command group. Each command turns its arguments into calls of the
//! `drive`/`graph` layers and returns the result as a JSON value for the formatter.

pub mod account;
pub mod changes;
pub mod comments;
pub mod docs;
pub mod info;
pub mod listing;
pub mod manage;
pub mod signals;
pub mod transfer;

use serde_json::Value;

use super::args::{Cli, Command};
use super::exit::{ExitCode, Failure, drive_failure};
use crate::drive::resolve::{Argument, Object, Reading};
use crate::graph::GraphClient;

/// What a command prints.
#[derive(Debug)]
pub struct Out {
    /// The result (`--json` prints it; `-k` applies to it).
    pub value: Value,
    /// Human text to print instead of the YAML-like rendering of `value` (quota).
    pub human: Option<String>,
    /// The mapping the human text shows, which `-k` picks from without `--json` (quota:
    /// the original's `free`/`quota` keys in human units, so `-k free quota` still works).
    pub human_value: Option<Value>,
}

impl From<Value> for Out {
    fn from(value: Value) -> Self {
        Out {
            value,
            human: None,
            human_value: None,
        }
    }
}

/// A value to print, or nothing.
pub type CommandResult = Result<Option<Out>, Failure>;

/// What every command needs.
pub struct Ctx {
    pub graph: GraphClient,
    pub reading: Reading,
    /// Print the results of mutating commands too (`--json` or `-k` given). Without
    /// them, like the original, `put`, `mkdir`, `mv`... are silent on success.
    pub show_results: bool,
    /// Draw transfer progress bars (stderr is a terminal and `--debug` is off).
    pub progress_bars: bool,
    /// `-q`: no progress, no summary of a fully successful transfer.
    pub quiet: bool,
    /// The state folder beside the config (resumable transfers).
    pub state_dir: crate::config::StateDir,
    /// How results are printed (`--json`, `-k`), for commands that stream them.
    pub output: crate::cli::output::OutputOptions,
}

impl Ctx {
    /// An object argument of `what`: parsed without a request, except a sharing link,
    /// which is read (redeemed) at once and becomes its item's `/drives/...` address
    /// (`drive::sharing_url`); `-p` reads a link as a path.
    pub async fn object(&self, what: &str, arg: Option<&str>) -> Result<Object, Failure> {
        Ok(self.named_object(what, arg).await?.0)
    }

    /// [`Ctx::object`] with the name results give it ([`Argument::named`]: as given,
    /// a link by its item's address).
    pub async fn named_object(
        &self,
        what: &str,
        arg: Option<&str>,
    ) -> Result<(Object, String), Failure> {
        let raw = arg.unwrap_or("");
        let argument = Argument::parse(arg, self.reading);
        let object = argument
            .clone()
            .locate(&self.graph)
            .await
            .map_err(|e| drive_failure(what, Some(&argument.shown(raw)), &e))?;
        let named = argument.named(raw, &object);
        Ok((object, named))
    }

    /// An object argument as given (see [`Argument`]).
    pub fn argument(&self, arg: Option<&str>) -> Argument {
        Argument::parse(arg, self.reading)
    }

    /// The result of a mutating command: printed only on request.
    pub fn result(&self, value: impl serde::Serialize) -> CommandResult {
        if self.show_results {
            Ok(Some(to_value(value).into()))
        } else {
            Ok(None)
        }
    }
}

/// Prints the result of a multi-object command that partly failed (its failures go to
/// stderr and set exit 7): what was done stays visible on stdout, as on success.
pub fn print_partial(ctx: &Ctx, out: Out) -> Result<(), Failure> {
    let text = crate::cli::output::render(&out.value, &ctx.output);
    crate::cli::output::print(&text).map(|_| ())
}

pub fn to_value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Maps a drive error for `what` on `object`.
pub fn fail<'a>(
    what: &'a str,
    object: &'a str,
) -> impl Fn(crate::drive::DriveError) -> Failure + 'a {
    move |e| drive_failure(what, Some(object), &e)
}

/// Same for a raw HTTP-layer error.
pub fn fail_http<'a>(
    what: &'a str,
    object: &'a str,
) -> impl Fn(crate::http::Error) -> Failure + 'a {
    move |e| drive_failure(what, Some(object), &crate::drive::DriveError::Http(e))
}

/// Runs the parsed command.
pub async fn run(cli: &Cli) -> CommandResult {
    use Command as C;
    match &cli.command {
        C::Comments(_) | C::CommentAdd(_) | C::CommentDelete(_) => {
            return comments::not_supported(&cli.command);
        }
        C::Completions(a) => return docs::completions(a.shell),
        C::Man => return docs::man(),
        C::Auth(a) => return account::auth(cli, a).await,
        C::AuthRefresh => return account::auth_refresh(cli).await,
        _ => {}
    }
    // Check every local input before the first request.
    let pre = Precheck::new(&cli.command, super::session::reading(cli))?;

    let ctx = super::session::context(cli)?;
    let work = dispatch(cli, &ctx, pre);
    let result = if matches!(cli.command, C::Get(_) | C::Put(_)) {
        // Transfers watch the signals themselves, to say what they kept.
        work.await
    } else {
        tokio::select! {
            r = work => r,
            stop = signals::stop_signal() => Err(signals::interrupted(
                stop,
                command_name(&cli.command),
                "the command did not finish".into(),
            )),
        }
    };
    result.map_err(|f| with_id_hint(f, cli, ctx.reading))
}

/// The command's name as typed (for messages).
fn command_name(cmd: &Command) -> &'static str {
    use Command as C;
    match cmd {
        C::Quota => "quota",
        C::User => "user",
        C::Drives(_) => "drives",
        C::Shared => "shared",
        C::Recent => "recent",
        C::Info(_) => "info",
        C::InfoSet(_) => "info_set",
        C::Link(_) => "link",
        C::Ls(_) => "ls",
        C::Tree(_) => "tree",
        C::Changes(_) => "changes",
        C::Mkdir(_) => "mkdir",
        C::Cp(_) => "cp",
        C::Mv(_) => "mv",
        C::Rm(_) => "rm",
        C::Get(_) => "get",
        C::Put(_) => "put",
        _ => "onedrive-cli",
    }
}

/// A "not found" for an argument that was read as an id because it looks like one
/// (`ABC!123`, `root`), or as another drive's address (`/drives/ID/items/ID`), gets a
/// hint: a path of that name needs `-p`.
fn with_id_hint(mut f: Failure, cli: &Cli, reading: Reading) -> Failure {
    use crate::drive::resolve::is_graph_id;
    if f.code != ExitCode::NotFound || reading != Reading::Guess {
        return f;
    }
    let guessed = remote_names(&cli.command).into_iter().find_map(|(_, a)| {
        let read = Object::parse(Some(a), reading);
        let named = |s: &str| f.message.contains(&format!("'{s}'"));
        if !named(a) && !named(&read.display()) {
            return None;
        }
        if is_graph_id(a) {
            Some((a, "an item id"))
        } else if read.drive_id().is_some() {
            Some((a, "another drive's address"))
        } else {
            None
        }
    });
    if let Some((a, read_as)) = guessed {
        f.message.push_str(&format!(
            " ('{a}' was read as {read_as}; -p reads it as a path)"
        ));
    }
    f
}

async fn dispatch(cli: &Cli, ctx: &Ctx, pre: Precheck) -> CommandResult {
    use Command as C;
    match &cli.command {
        C::Quota => account::quota(ctx).await,
        C::User => account::user(ctx).await,
        C::Drives(a) => account::drives(ctx, a).await,
        C::Shared => account::shared(ctx).await,
        C::Recent => account::recent(ctx).await,
        C::Info(a) => info::info(ctx, a).await,
        C::InfoSet(a) => info::info_set(ctx, a, pre.json.unwrap_or(Value::Null)).await,
        C::Link(a) => info::link(ctx, a).await,
        C::Ls(a) => listing::ls(ctx, a, pre.list_range.unwrap_or_default()).await,
        C::Tree(a) => listing::tree(ctx, a).await,
        C::Changes(a) => changes::changes(ctx, a).await,
        C::Mkdir(a) => manage::mkdir(ctx, a, pre.json.as_ref()).await,
        C::Cp(a) => manage::cp(ctx, a).await,
        C::Mv(a) => manage::mv(ctx, a).await,
        C::Rm(a) => manage::rm(ctx, a).await,
        C::Get(a) => transfer::get(ctx, a, pre.byte_range).await,
        C::Put(a) => transfer::put(ctx, a, pre.fragment).await,
        // Handled above, without a Graph connection.
        C::Auth(_)
        | C::AuthRefresh
        | C::Comments(_)
        | C::CommentAdd(_)
        | C::CommentDelete(_)
        | C::Completions(_)
        | C::Man => Ok(None),
    }
}

/// Local inputs parsed and checked before any request (bad input never costs a call).
#[derive(Default)]
struct Precheck {
    json: Option<Value>,
    list_range: Option<crate::drive::range::ListRange>,
    byte_range: Option<crate::drive::range::ByteRange>,
    fragment: Option<u64>,
}

impl Precheck {
    fn new(cmd: &Command, reading: Reading) -> Result<Self, Failure> {
        use crate::drive::{range, upload};
        let mut p = Precheck::default();
        // A sharing link is a URL, not a path: its segments are never sent as such.
        let link = |arg: &str| Argument::parse(Some(arg), reading).is_link();
        for (what, arg) in remote_names(cmd) {
            if !link(arg) {
                check_no_dot_segments(what, arg)?;
            }
        }
        // mkdir's NAME is the new folder's: a link names an item that exists already,
        // and a `/drives/...` NAME must end with the new folder's path, alone.
        if let Command::Mkdir(a) = cmd {
            if link(&a.name) {
                return Err(Failure::usage(
                    "mkdir: NAME is the new folder's name; a sharing link names an existing \
                     folder: give it as FOLDER (mkdir NAME LINK)",
                ));
            }
            if let Object::InDrive { path, .. } = Object::parse(Some(&a.name), reading) {
                if path.is_none() {
                    return Err(Failure::usage(format!(
                        "mkdir '{}': names an existing item, not a new folder; add \
                         ':/NAME' for a folder inside it",
                        a.name
                    )));
                }
                if a.folder.is_some() {
                    return Err(Failure::usage(format!(
                        "mkdir '{}': an address names its own folder; give it without FOLDER",
                        a.name
                    )));
                }
            }
        }
        // --name is the new file's name: a path in it would have Graph create the
        // missing folders, which `put` never does (the folder argument says where).
        if let Command::Put(a) = cmd
            && let Some(n) = &a.name
            && n.contains(['/', '\\'])
        {
            return Err(Failure::usage(format!(
                "put --name '{n}': a file name, not a path; give the folder as the last argument"
            )));
        }
        match cmd {
            Command::InfoSet(a) => p.json = Some(json_object("info_set", &a.data)?),
            Command::Mkdir(a) => {
                if crate::drive::mkdir::split_name(&a.name).1.is_empty() {
                    return Err(Failure::usage("mkdir: empty folder name"));
                }
                if let Some(m) = &a.metadata {
                    p.json = Some(json_object("mkdir -m", m)?);
                }
            }
            Command::Ls(a) => {
                if let Some(r) = &a.range {
                    p.list_range = Some(
                        range::ListRange::parse(r)
                            .map_err(|e| Failure::usage(format!("ls -r: {e}")))?,
                    );
                }
            }
            Command::Get(a) => {
                let many = a.split().0.len() > 1 || a.transfer.recursive;
                if many && a.split().1 == Some("-") {
                    return Err(Failure::usage(
                        "get: '-' (stdout) takes one file, not several objects or -r",
                    ));
                }
                if a.byte_range.is_some() && many {
                    return Err(Failure::usage(
                        "get -b: a byte range applies to a single file (not with several objects or -r)",
                    ));
                }
                if let Some(r) = &a.byte_range {
                    p.byte_range = Some(
                        range::ByteRange::parse(r)
                            .map_err(|e| Failure::usage(format!("get -b: {e}")))?,
                    );
                }
            }
            Command::Put(a) => {
                if a.name
                    .as_deref()
                    .is_some_and(|n| n.trim_matches('/').is_empty())
                {
                    return Err(Failure::usage("put: --name is empty"));
                }
                let (sources, _) = a.split();
                if sources.iter().any(|f| f == "-") && a.name.is_none() {
                    return Err(Failure::usage("put: reading stdin ('-') needs --name NAME"));
                }
                if a.name.is_some() && (sources.len() > 1 || a.transfer.recursive) {
                    return Err(Failure::usage(
                        "put: --name applies to a single file (not with several files or -r)",
                    ));
                }
                if let Some(c) = &a.chunk_size {
                    p.fragment = Some(
                        upload::chunk_size(c)
                            .map_err(|e| Failure::usage(format!("put --chunk-size: {e}")))?,
                    );
                } else if let Some(b) = &a.bits_frag_bytes {
                    p.fragment = Some(
                        upload::bits_frag_bytes(b)
                            .map_err(|e| Failure::usage(format!("put --bits-frag-bytes: {e}")))?,
                    );
                }
            }
            _ => {}
        }
        Ok(p)
    }
}

/// The command's arguments that name remote items (objects, folders, new names).
fn remote_names(cmd: &Command) -> Vec<(&'static str, &str)> {
    use Command as C;
    let mut v: Vec<(&'static str, Option<&str>)> = Vec::new();
    match cmd {
        C::Info(a) => v.push(("info", a.object.as_deref())),
        C::InfoSet(a) => v.push(("info_set", Some(&a.object))),
        C::Link(a) => v.push(("link", Some(&a.object))),
        C::Ls(a) => v.push(("ls", a.folder.as_deref())),
        C::Tree(a) => v.push(("tree", a.folder.as_deref())),
        C::Changes(a) => v.push(("changes", a.folder.as_deref())),
        C::Mkdir(a) => v.extend([
            ("mkdir", Some(a.name.as_str())),
            ("mkdir", a.folder.as_deref()),
        ]),
        C::Get(a) => v.extend(a.split().0.iter().map(|o| ("get", Some(o.as_str())))),
        C::Put(a) => v.extend([("put --name", a.name.as_deref()), ("put", a.split().1)]),
        C::Cp(a) => v.extend([("cp", Some(a.file.as_str())), ("cp", a.folder.as_deref())]),
        C::Mv(a) => v.extend([("mv", Some(a.object.as_str())), ("mv", a.folder.as_deref())]),
        C::Rm(a) => v.extend(a.objects.iter().map(|o| ("rm", Some(o.as_str())))),
        _ => {}
    }
    v.into_iter()
        .filter_map(|(w, a)| a.map(|a| (w, a)))
        .collect()
}

/// Refuses `.` and `..` components. No OneDrive item can have those names, and a URL
/// path would have them removed by dot-segment normalisation (RFC 3986 §5.2.4, also for
/// `%2E%2E`), so `rm 'a/missing/..'` would silently address `a` itself, and `info ..`
/// the drive instead of an item.
fn check_no_dot_segments(what: &str, arg: &str) -> Result<(), Failure> {
    if arg.split('/').any(|c| c == "." || c == "..") {
        return Err(Failure::usage(format!(
            "{what} '{arg}': '.' and '..' are not item names (OneDrive paths start at the drive root)"
        )));
    }
    Ok(())
}

/// A JSON object argument (`info_set DATA`, `mkdir -m`).
fn json_object(what: &str, s: &str) -> Result<Value, Failure> {
    let v: Value = serde_json::from_str(s)
        .map_err(|e| Failure::usage(format!("{what}: invalid JSON: {e}")))?;
    if !v.is_object() {
        return Err(Failure::usage(format!(
            "{what}: expected a JSON mapping such as '{{\"name\": \"new.jpg\"}}'"
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::exit::ExitCode;
    use clap::Parser as _;

    fn pre(args: &[&str]) -> Result<Precheck, Failure> {
        let cli = Cli::try_parse_from(std::iter::once("onedrive-cli").chain(args.iter().copied()))
            .expect("valid arguments");
        Precheck::new(&cli.command, crate::cli::session::reading(&cli))
    }

    #[test]
    fn bad_local_input_is_a_usage_error() {
        for args in [
            &["info_set", "x", "{bad"][..],
            &["info_set", "x", "\"a string\""],
            &["mkdir", "-m", "[1]", "d"],
            &["ls", "-r", "a"],
            &["get", "-b", "5-1", "f"],
            &["put", "--chunk-size", "1000X", "f"],
            &["put", "-"],
            &["mkdir", ""],
            &["mkdir", "/"],
            &["rm", "a", "d/missing/.."],
            &["info", ".."],
            &["-i", "info", ".."],
            &["get", "./f"],
            &["mkdir", "x", "a/."],
            &["put", "--name", "..", "f"],
            &["mv", "f", "d/.."],
            &["put", "--name", "", "f"],
            &["put", "--name", "/", "f"],
            &["put", "--name", "x/y.txt", "f"],
        ] {
            let err = pre(args)
                .err()
                .unwrap_or_else(|| panic!("{args:?} rejected"));
            assert_eq!(err.code, ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn good_local_input_is_parsed() {
        let p = pre(&["info_set", "x", r#"{"name": "y"}"#]).unwrap();
        assert_eq!(p.json.unwrap()["name"], "y");
        let p = pre(&["put", "--bits-frag-bytes", "1000000", "f"]).unwrap();
        assert_eq!(p.fragment, Some(3 * 327_680));
        let p = pre(&["put", "--name", "n", "-"]).unwrap();
        assert_eq!(p.fragment, None);
        let p = pre(&["get", "-b", "-500", "f"]).unwrap();
        assert_eq!(
            p.byte_range,
            Some(crate::drive::range::ByteRange::Suffix(500))
        );
    }
}
