//! Command-line arguments: every command and option of python-onedrive's `onedrive-cli`,
//! plus the new ones the Graph port needs (`auth --device`, `put --rename`, `--json`, ...).
//!
//! Global options may come before or after the command (`ls Docs --json`), except
//! `-p/--path` and `-i/--id`, which go before it as in the original: `mkdir -p`
//! (parents) and `-p/--path` (force path reading) share a letter.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Help text listing the documented exit codes (also in README.md).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  error (network, service, local file)
  2  usage error (bad option, bad range, bad JSON, bad template)
  3  not found (item, path or local file)
  4  authentication needed (run `onedrive-cli auth`)
  5  conflict: the name already exists
  6  not supported by Microsoft Graph (e.g. comments)
  7  partial failure: some objects of a multi-object command failed, the others succeeded
130  interrupted (SIGINT); 143: terminated (SIGTERM). Partial transfers are kept for a re-run

Objects are paths (relative to the drive root) unless they look like an id: Graph ids
(`0123456789ABCDEF!123`, `01ABC...` on Business, `root`) and python-onedrive's
LiveConnect ids (`file.0123456789abcdef.0123456789ABCDEF!123`). Use -p/-i to force one
reading.";

/// Command-line client for Microsoft OneDrive (Microsoft Graph), successor of
/// python-onedrive's onedrive-cli.
#[derive(Parser, Debug)]
#[command(
    name = "onedrive-cli",
    version,
    after_help = EXIT_CODES_HELP,
    args_override_self = true
)]
pub struct Cli {
    /// Writable state file (YAML) holding the client id and tokens [default: ~/.lcrc]
    #[arg(
        short = 'c',
        long,
        value_name = "PATH",
        env = "ONEDRIVE_CLI_CONFIG",
        global = true
    )]
    pub config: Option<PathBuf>,

    /// Read object arguments only as paths, never as ids (before the command: `mkdir -p`
    /// means parents)
    #[arg(short = 'p', long = "path", conflicts_with = "id")]
    pub path: bool,

    /// Read object arguments only as ids, never as paths (before the command)
    #[arg(short = 'i', long = "id")]
    pub id: bool,

    /// Print only this key of each result object, or a template such as
    /// '{id} {name} {parentReference.path}'; objects missing a key are skipped (with a
    /// warning when none has it). Lists keep the original's '- ' layout: add --raw for
    /// bare values (e.g. to pipe ids into xargs)
    #[arg(
        short = 'k',
        long = "object-key",
        value_name = "TEMPLATE",
        global = true
    )]
    pub object_key: Option<String>,

    /// Accepted for compatibility; input and output are always UTF-8
    #[arg(
        short = 'e',
        long,
        value_name = "ENC",
        default_value = "utf-8",
        global = true
    )]
    pub encoding: String,

    /// Machine output: the result as one JSON document
    #[arg(long, global = true)]
    pub json: bool,

    /// Values only, one per line, nothing around them (for xargs and while-read): list
    /// elements, or each object's -k line; a mapping gives 'key<TAB>value' lines
    #[arg(long, global = true, conflicts_with = "json")]
    pub raw: bool,

    /// Trace requests on stderr (tokens and codes are redacted)
    #[arg(long, global = true)]
    pub debug: bool,

    /// Say on stderr what the client does about the service: retries and their reason,
    /// waits the service asked for, resumed transfers, new upload sessions (redacted)
    #[arg(short = 'v', long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Nothing on stderr but errors: no progress bars, no summary when every file
    /// succeeded, no notices or warnings
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,

    /// Microsoft cloud whose hosts to use: global, us-gov, us-gov-dod or china (also
    /// `api.cloud` in the state file; `api.graph_url`/`api.login_url` override both)
    #[arg(long, global = true, value_enum, value_name = "CLOUD")]
    pub cloud: Option<crate::config::cloud::Cloud>,

    /// Work on this drive (an id from `drives`, e.g. a SharePoint library) instead of
    /// your own OneDrive (also `api.drive` in the state file)
    #[arg(long, global = true, value_name = "ID")]
    pub drive: Option<String>,

    #[command(flatten)]
    pub network: NetworkArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Retry bounds and transport limits. Accepted before or after the command.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Network")]
pub struct NetworkArgs {
    /// Retries of one request after throttling (429/503, honouring Retry-After), a
    /// transient 5xx or a broken connection; 0 disables retrying
    #[arg(long, global = true, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: u32,
    /// Longest time spent retrying one request, from its first failure, in seconds: a
    /// retry whose wait (Retry-After included) would end later is not made
    #[arg(long, global = true, value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub retry_max_time: u64,
    /// Longest wait for a connection to be set up, in seconds
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub connect_timeout: u64,
    /// Longest time a request may go without moving a byte (sending or receiving), in
    /// seconds; a stalled connection is then dropped and the request retried or resumed
    #[arg(long, global = true, value_name = "SECS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub read_timeout: u64,
}

impl NetworkArgs {
    /// The HTTP layer's settings from these options.
    pub fn network(&self) -> crate::http::Network {
        use std::time::Duration;
        crate::http::Network {
            retry: crate::http::RetryPolicy {
                max_retries: self.retries,
                max_elapsed: Duration::from_secs(self.retry_max_time),
                ..Default::default()
            },
            timeouts: crate::http::Timeouts {
                connect: Duration::from_secs(self.connect_timeout),
                idle: Duration::from_secs(self.read_timeout),
            },
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sign in: print the authorize URL and read back the redirected URL (or --device, --localhost)
    Auth(AuthArgs),
    /// Force a refresh of the access token (never needed normally)
    #[command(name = "auth_refresh", visible_alias = "auth-refresh")]
    AuthRefresh,
    /// Print quota: free and quota, then used and deleted (recycle bin), in human units, and state
    Quota,
    /// Print the signed-in user
    User,
    /// List recently used items
    Recent,
    /// Print an object's metadata (default: the drive root)
    Info(InfoArgs),
    /// Update an object's metadata with a JSON mapping, e.g. '{"name": "new.jpg"}'
    #[command(name = "info_set", visible_alias = "info-set")]
    InfoSet(InfoSetArgs),
    /// Create a sharing link for an object
    Link(LinkArgs),
    /// List a folder (names sorted)
    Ls(LsArgs),
    /// Create a folder; the name may contain a path
    Mkdir(MkdirArgs),
    /// Download a file to DST, or to stdout when DST is omitted or '-'
    Get(GetArgs),
    /// Upload a file (or stdin with '-' and --name) into a folder
    Put(PutArgs),
    /// Copy a file or folder into a folder
    Cp(CpArgs),
    /// Move a file or folder into a folder
    Mv(MvArgs),
    /// Delete objects (to the recycle bin)
    Rm(RmArgs),
    /// Show a folder as a tree of names and types
    Tree(TreeArgs),
    /// Print what was added (+), modified (~) or deleted (-) under a folder since the last call
    Changes(ChangesArgs),
    /// Not supported by Microsoft Graph (there is no comments API)
    Comments(CommentsArgs),
    /// Not supported by Microsoft Graph (there is no comments API)
    #[command(name = "comment_add", visible_alias = "comment-add")]
    CommentAdd(CommentAddArgs),
    /// Not supported by Microsoft Graph (there is no comments API)
    #[command(name = "comment_delete", visible_alias = "comment-delete")]
    CommentDelete(CommentDeleteArgs),
    /// List your drives (OneDrive and the libraries shared with you), or with --site the
    /// document libraries of matching SharePoint sites; use an id with --drive
    Drives(DrivesArgs),
    /// List the items other users shared with you, as /drives/DRIVE/items/ID addresses
    /// that every command accepts (Microsoft retired this list in November 2026)
    Shared,
    /// Print a shell completion script (e.g. `onedrive-cli completions bash >
    /// /etc/bash_completion.d/onedrive-cli`)
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `onedrive-cli man | man -l -`
    Man,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
#[command(subcommand_precedence_over_arg = true)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub action: Option<AuthAction>,
    /// The URL the browser was redirected to after sign-in (read from stdin when omitted)
    pub url: Option<String>,
    /// Use the device code flow (for headless machines and cron setups)
    #[arg(long, conflicts_with = "url")]
    pub device: bool,
    /// Receive the browser's redirect on a one-shot listener on 127.0.0.1 (no pasting;
    /// the app registration needs the redirect URI http://localhost)
    #[arg(long, conflicts_with_all = ["url", "device"])]
    pub localhost: bool,
}

/// `auth status`, `auth logout`.
#[derive(Subcommand, Debug)]
pub enum AuthAction {
    /// Who is signed in: account, drive, token expiry and granted scopes (never a token)
    Status,
    /// Forget the tokens (the client settings stay). The refresh token is not revoked
    /// at Microsoft: revoke the app's access in your account's privacy settings for that
    Logout,
}

#[derive(Args, Debug)]
pub struct DrivesArgs {
    /// List the document libraries of the SharePoint sites matching these keywords
    /// (work or school accounts)
    #[arg(long, value_name = "QUERY")]
    pub site: Option<String>,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Object (default: the drive root)
    pub object: Option<String>,
}

#[derive(Args, Debug)]
pub struct InfoSetArgs {
    pub object: String,
    /// JSON mapping of the properties to change, e.g. '{"name": "new.jpg"}'
    pub data: String,
}

/// Sharing link types. The original's LiveConnect names are accepted as aliases.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    #[value(alias = "shared_read_link", alias = "shared-read-link")]
    View,
    #[value(alias = "shared_edit_link", alias = "shared-edit-link")]
    Edit,
    Embed,
}

impl LinkType {
    pub fn as_graph(self) -> &'static str {
        match self {
            LinkType::View => "view",
            LinkType::Edit => "edit",
            LinkType::Embed => "embed",
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkScope {
    Anonymous,
    Organization,
}

impl LinkScope {
    pub fn as_graph(self) -> &'static str {
        match self {
            LinkScope::Anonymous => "anonymous",
            LinkScope::Organization => "organization",
        }
    }
}

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// Link type (embed: OneDrive Personal only)
    #[arg(short = 't', long = "type", value_enum, default_value = "view")]
    pub link_type: LinkType,
    /// Who can use the link (default: the organisation's default)
    #[arg(long, value_enum)]
    pub scope: Option<LinkScope>,
    pub object: String,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Names are sorted (by code point, as the original did), which needs the whole listing \
first: it is kept as names only (objects with -o). With -U the names are printed in the \
service's order as each page of up to 1,000 arrives, with memory for one page, and -r \
stops asking for pages once its range is printed.")]
pub struct LsArgs {
    /// Only this range of the listing: 'offset-limit', 'offset-', '-limit' or 'limit'
    #[arg(
        short = 'r',
        long = "range",
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub range: Option<String>,
    /// Print full objects, not just names
    #[arg(short = 'o', long = "objects")]
    pub objects: bool,
    /// Do not sort: print each page as it arrives, in the service's order
    #[arg(short = 'U', long = "unsorted")]
    pub unsorted: bool,
    /// Folder (default: the drive root)
    pub folder: Option<String>,
}

#[derive(Args, Debug)]
pub struct MkdirArgs {
    /// JSON mapping of metadata for the new folder, e.g. '{"description": "trip"}'
    #[arg(short = 'm', long = "metadata", value_name = "JSON")]
    pub metadata: Option<String>,
    /// Create missing parents; succeed if the folder already exists
    #[arg(short = 'p', long = "parents")]
    pub parents: bool,
    /// Name, or a path (dirname + basename), of the folder to create
    pub name: String,
    /// Parent folder (default: the drive root)
    pub folder: Option<String>,
}

/// Options shared by `get` and `put` (the transfer engine's).
#[derive(Args, Debug, Clone)]
pub struct TransferArgs {
    /// Transfer folders and everything in them (a folder FOO becomes FOO in the destination, as with cp -r)
    #[arg(short = 'r', long = "recursive")]
    pub recursive: bool,
    /// Files in flight at once
    #[arg(long, value_name = "N", default_value_t = crate::transfer::DEFAULT_TRANSFERS as u64,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    pub transfers: u64,
    /// Skip files whose destination already has the same size and QuickXorHash
    #[arg(long = "skip-existing")]
    pub skip_existing: bool,
    /// Start afresh: do not resume (and do not record) upload sessions or partial downloads
    #[arg(long = "no-resume")]
    pub no_resume: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
With one OBJECT and no DST, a file is written to stdout. With two arguments, the second is \
the destination file (or an existing folder, which receives the file under its name). With \
three or more, or with -r, the last one is the local folder that receives every object.

A file is written to DST.partial (mode 0600) and renamed to DST only once its size and \
QuickXorHash are checked; DST keeps its permissions and gets the item's modification time. \
An interrupted or failed download keeps DST.partial, and the same command continues it \
(if the item did not change) unless --no-resume is given.")]
pub struct GetArgs {
    /// Only these bytes, RFC 7233 form without the unit: '0-499', '-500' (last 500), '500-'
    #[arg(
        short = 'b',
        long = "byte-range",
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub byte_range: Option<String>,
    #[command(flatten)]
    pub transfer: TransferArgs,
    #[command(flatten)]
    pub walk: WalkArgs,
    /// OBJECT... [DST]: remote files (folders with -r), then the local destination
    #[arg(required = true, value_name = "OBJECT")]
    pub paths: Vec<String>,
}

/// `A... [B]`: with two or more arguments the last one is the destination, as in the
/// original's `put file [folder]` and `get file [dst]`.
fn split_destination(paths: &[String]) -> (&[String], Option<&str>) {
    match paths {
        [] | [_] => (paths, None),
        [sources @ .., last] => (sources, Some(last.as_str())),
    }
}

impl GetArgs {
    /// The remote objects and the local destination (see the command's help).
    pub fn split(&self) -> (&[String], Option<&str>) {
        split_destination(&self.paths)
    }
}

#[derive(Args, Debug)]
#[command(after_help = "\
Several files go into the last argument's folder: `put a.txt b/ c.iso Docs` (with -r for \
b/). Folders are created as needed. Each file's modification time goes with it (whole \
seconds). An upload session is recorded in the state folder beside the config (~/.lcrc.d/) \
before its first fragment, so re-running the same command after a crash continues it \
(unless the file changed, or --no-resume is given).")]
pub struct PutArgs {
    /// Fail if the name already exists in the folder (conflictBehavior fail)
    #[arg(short = 'n', long = "no-overwrite", conflicts_with = "rename")]
    pub no_overwrite: bool,
    /// Keep both: the service picks a new name (conflictBehavior rename)
    #[arg(long)]
    pub rename: bool,
    /// Accepted for compatibility: Microsoft Graph never downsizes images
    #[arg(short = 'd', long = "no-downsize")]
    pub no_downsize: bool,
    /// Always use an upload session (python-onedrive's BITS option)
    #[arg(short = 'b', long = "bits")]
    pub bits: bool,
    /// Upload-session fragment size (python-onedrive's option; --chunk-size is the new
    /// name, with the same rule)
    #[arg(
        long = "bits-frag-bytes",
        value_name = "BYTES",
        conflicts_with = "chunk_size"
    )]
    pub bits_frag_bytes: Option<String>,
    /// Use an upload session with fragments of this size, e.g. 10M (K, M, G: KiB, MiB,
    /// GiB), rounded down to a multiple of 320 KiB, at least 320 KiB, at most 59.6875M
    /// (Graph's fragments are multiples of 320 KiB under 60 MiB)
    #[arg(long = "chunk-size", value_name = "SIZE")]
    pub chunk_size: Option<String>,
    /// Accepted for compatibility; not needed on Microsoft Graph
    #[arg(long = "bits-do-auth-refresh-before-commit-hack", hide = true)]
    pub bits_hack: bool,
    /// Name in OneDrive (required when FILE is '-', i.e. stdin; one file only)
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// FILE... [FOLDER]: local files (folders with -r) or '-' for stdin, then the destination folder (default: the drive root)
    #[arg(required = true, value_name = "FILE")]
    pub paths: Vec<String>,
}

impl PutArgs {
    /// The local sources and the remote destination folder: with two or more
    /// arguments the last one is the folder, as in the original's `put file [folder]`.
    pub fn split(&self) -> (&[String], Option<&str>) {
        split_destination(&self.paths)
    }
}

#[derive(Args, Debug)]
pub struct CpArgs {
    pub file: String,
    /// Destination folder (default: the drive root)
    pub folder: Option<String>,
}

#[derive(Args, Debug)]
pub struct MvArgs {
    pub object: String,
    /// Destination folder (default: the drive root)
    pub folder: Option<String>,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Files and folders alike go to the recycle bin, as in the original. An argument that ends \
with '/' (as \"$DIR/$FILE\" does when $FILE is empty) names a whole folder: it is refused \
unless -r is given. The drive root is never removed. A missing object is reported and the \
others are still deleted; if some were deleted and some failed, the exit code is 7.")]
pub struct RmArgs {
    /// Objects to delete; a missing one is reported and the others still deleted
    #[arg(required = true)]
    pub objects: Vec<String>,
    /// Allow arguments that end with '/' (a folder named as a folder)
    #[arg(short = 'r', long = "recursive")]
    pub recursive: bool,
    /// Delete for good, not to the recycle bin (Graph's permanentDelete; exit 6 where
    /// the drive does not offer it)
    #[arg(long)]
    pub permanent: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
The subtree is read with delta (a page of up to 1,000 items per request, whatever the \
shape of the tree) where the service allows it, else folder by folder, --checkers at a \
time. Both give the same output.")]
pub struct TreeArgs {
    /// Print full objects, not just names and types
    #[arg(short = 'o', long = "objects")]
    pub objects: bool,
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Folder (default: the drive root)
    pub folder: Option<String>,
}

#[derive(Args, Debug)]
#[command(after_help = "\
The first call records the folder's state and prints nothing (or everything with --all); \
each later call prints one line per item added (+: created or moved in), modified (~: \
content, rename or move within the folder) or deleted (-: deleted or moved out), paths \
from the drive root, and records the new state once the lines are written (a reader that \
stops early, like head, does not get the rest again). The state (a delta link of the \
drive's root and the known paths) is kept per drive and folder in the state folder beside \
the config (~/.lcrc.d/delta/), never printed. When the service asks to start over (410), \
the folder is read again and compared with the last known state; that call cannot see \
changed file contents, and says so.")]
pub struct ChangesArgs {
    /// Forget the recorded state and start over
    #[arg(long)]
    pub reset: bool,
    /// When there is no recorded state, print every item as added
    #[arg(long)]
    pub all: bool,
    /// Folder (default: the drive root)
    pub folder: Option<String>,
}

/// How a whole subtree is read (`tree`, `get -r`).
#[derive(Args, Debug, Clone, Copy)]
pub struct WalkArgs {
    /// Read the subtree folder by folder instead of with delta
    #[arg(long = "no-delta")]
    pub no_delta: bool,
    /// Folders listed at once when reading folder by folder
    #[arg(long, value_name = "N", default_value_t = crate::drive::walk::DEFAULT_CHECKERS as u16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub checkers: u16,
}

impl WalkArgs {
    /// The walk options; every property of each item is read (see
    /// [`crate::drive::walk::WalkOptions::select`] for less).
    pub fn options(&self) -> crate::drive::walk::WalkOptions {
        crate::drive::walk::WalkOptions {
            delta: !self.no_delta,
            checkers: usize::from(self.checkers),
            select: None,
        }
    }
}

#[derive(Args, Debug)]
pub struct CommentsArgs {
    pub object: String,
}

#[derive(Args, Debug)]
pub struct CommentAddArgs {
    pub object: String,
    pub message: String,
}

#[derive(Args, Debug)]
pub struct CommentDeleteArgs {
    pub comment_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("onedrive-cli").chain(args.iter().copied()))
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn path_and_id_conflict() {
        let err = parse(&["-p", "-i", "info"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(parse(&["-p", "info", "x"]).unwrap().path);
    }

    #[test]
    fn underscore_names_and_hyphen_aliases() {
        for name in ["auth_refresh", "auth-refresh"] {
            assert!(matches!(
                parse(&[name]).unwrap().command,
                Command::AuthRefresh
            ));
        }
        for name in ["info_set", "info-set"] {
            let c = parse(&[name, "a", "{}"]).unwrap();
            assert!(matches!(c.command, Command::InfoSet(_)));
        }
        for name in ["comment_add", "comment-add"] {
            let c = parse(&[name, "a", "hi"]).unwrap();
            assert!(matches!(c.command, Command::CommentAdd(_)));
        }
        for name in ["comment_delete", "comment-delete"] {
            let c = parse(&[name, "1"]).unwrap();
            assert!(matches!(c.command, Command::CommentDelete(_)));
        }
    }

    #[test]
    fn link_type_aliases() {
        let cases = [
            ("shared_read_link", LinkType::View),
            ("shared_edit_link", LinkType::Edit),
            ("embed", LinkType::Embed),
            ("view", LinkType::View),
            ("edit", LinkType::Edit),
        ];
        for (arg, want) in cases {
            match parse(&["link", "-t", arg, "x"]).unwrap().command {
                Command::Link(l) => assert_eq!(l.link_type, want, "{arg}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(parse(&["link", "-t", "bogus", "x"]).is_err());
    }

    #[test]
    fn ranges_may_start_with_a_hyphen() {
        match parse(&["ls", "-r", "-10"]).unwrap().command {
            Command::Ls(l) => assert_eq!(l.range.as_deref(), Some("-10")),
            other => panic!("{other:?}"),
        }
        match parse(&["get", "-b", "-500", "f"]).unwrap().command {
            Command::Get(g) => {
                assert_eq!(g.byte_range.as_deref(), Some("-500"));
                assert_eq!(g.split(), (&["f".to_owned()][..], None));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mkdir_p_is_parents_not_path() {
        let c = parse(&["mkdir", "-p", "a/b"]).unwrap();
        assert!(!c.path);
        match c.command {
            Command::Mkdir(m) => assert!(m.parents),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn put_options() {
        assert!(parse(&["put", "-n", "--rename", "f"]).is_err());
        let c = parse(&[
            "put",
            "-n",
            "-d",
            "-b",
            "--bits-frag-bytes",
            "655360",
            "f",
            "dir",
        ])
        .unwrap();
        match c.command {
            Command::Put(p) => {
                assert!(p.no_overwrite && p.no_downsize && p.bits);
                assert_eq!(p.split(), (&["f".to_owned()][..], Some("dir")));
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(&["put", "--chunk-size", "1M", "--bits-frag-bytes", "1", "f"]).is_err());
    }

    #[test]
    fn rm_needs_an_object_and_auth_device_excludes_url() {
        assert!(parse(&["rm"]).is_err());
        assert!(parse(&["auth", "--device", "http://x"]).is_err());
        assert!(parse(&["auth", "--device"]).is_ok());
        assert!(parse(&["auth", "--localhost", "--device"]).is_err());
        assert!(parse(&["auth", "--localhost"]).is_ok());
    }
}
