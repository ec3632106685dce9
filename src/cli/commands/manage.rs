//! `mkdir`, `cp`, `mv`, `rm`.

use std::time::Duration;

use serde_json::Value;

use super::{CommandResult, Ctx, fail_http};
use crate::cli::args::{CpArgs, MkdirArgs, MvArgs, RmArgs};
use crate::cli::exit::drive_failure;
use crate::cli::exit::{ExitCode, Failure};
use crate::drive::DriveError;
use crate::drive::locate::on_object;
use crate::drive::resolve::Argument;
use crate::drive::{copy, mkdir as mk};

/// How long `cp` waits for the service's asynchronous copy.
const COPY_MAX_WAIT: Duration = Duration::from_secs(600);

pub async fn mkdir(ctx: &Ctx, a: &MkdirArgs, metadata: Option<&Value>) -> CommandResult {
    let parent = ctx.object("mkdir", a.folder.as_deref()).await?;
    let mk::Placement {
        parent,
        name,
        place,
    } = mk::placement(a.folder.as_deref(), parent, &a.name, a.parents, ctx.reading);
    let name = name.as_str();
    // -p creates the missing folders of NAME's path, never the FOLDER argument.
    let hint = if !a.parents && a.folder.is_none() && place != "/" {
        " (-p creates missing parents)"
    } else {
        ""
    };
    let item = on_object(&ctx.graph, &parent, |g, r| async move {
        mk::mkdir(&g, &r, name, a.parents, metadata).await
    })
    .await
    .map_err(fail_into("mkdir", &a.name, &place, hint))?;
    ctx.result(item)
}

pub async fn cp(ctx: &Ctx, a: &CpArgs) -> CommandResult {
    let src = ctx.object("cp", Some(&a.file)).await?;
    let dst = ctx
        .object("cp: destination folder", a.folder.as_deref())
        .await?;
    let place = a.folder.as_deref().unwrap_or("/");
    let item = copy::copy_object(&ctx.graph, &src, &dst, COPY_MAX_WAIT)
        .await
        .map_err(fail_into("cp", &a.file, place, "; cp copies into a folder"))?;
    ctx.result(item)
}

pub async fn mv(ctx: &Ctx, a: &MvArgs) -> CommandResult {
    let src = ctx.object("mv", Some(&a.object)).await?;
    let dst = ctx
        .object("mv: destination folder", a.folder.as_deref())
        .await?;
    let place = a.folder.as_deref().unwrap_or("/");
    let hint = "; mv moves into a folder (to rename, use info_set OBJECT '{\"name\": \"NEW\"}')";
    let item = copy::move_object(&ctx.graph, &src, &dst)
        .await
        .map_err(fail_into("mv", &a.object, place, hint))?;
    ctx.result(item)
}

/// The failure line of a command that puts `object` into the folder `place`: a failure
/// of the destination names the destination (with `hint` on what the command does),
/// any other names the object.
fn fail_into<'a>(
    what: &'a str,
    object: &'a str,
    place: &'a str,
    hint: &'a str,
) -> impl Fn(DriveError) -> Failure + 'a {
    move |e| match e {
        DriveError::Destination(inner) => {
            let mut f = match *inner {
                DriveError::NotAFolder => Failure::new(
                    ExitCode::Error,
                    format!("{what}: destination '{place}' is a file, not a folder"),
                ),
                inner => drive_failure(&format!("{what}: destination folder"), Some(place), &inner),
            };
            f.message.push_str(hint);
            f
        }
        e => drive_failure(what, Some(object), &e),
    }
}

/// Deletes every object; a failure is reported and the others are still deleted. The
/// exit code is the failure's own when all failures agree (e.g. 3 for missing objects),
/// else 1.
pub async fn rm(ctx: &Ctx, a: &RmArgs) -> CommandResult {
    // Every argument is checked before anything is deleted, and before any request (a
    // sharing link is read only once all arguments passed).
    for o in &a.objects {
        let root = match ctx.argument(Some(o)) {
            Argument::Object(obj) => obj.item_ref().is_root(),
            Argument::Link(_) => false,
        };
        if root {
            return Err(Failure::usage(format!(
                "rm '{o}': the drive root cannot be removed"
            )));
        }
        if !a.recursive && names_a_folder(o) {
            return Err(Failure::usage(format!(
                "rm '{o}': ends with '/', which names a whole folder (an empty variable \
                 after the '/'?); add -r to remove the folder"
            )));
        }
    }
    let mut failures: Vec<Failure> = Vec::new();
    let mut deleted = Vec::new();
    for o in &a.objects {
        // A link that cannot be read is one failure among the others.
        let argument = ctx.argument(Some(o));
        let obj = match argument.clone().locate(&ctx.graph).await {
            Ok(obj) => obj,
            Err(e) => {
                failures.push(drive_failure("rm", Some(&argument.shown(o)), &e));
                continue;
            }
        };
        // What was removed, as the user named it; a link by its item's address.
        let named = argument.named(o, &obj);
        let permanent = a.permanent;
        let r = on_object(&ctx.graph, &obj, |g, r| async move {
            if permanent {
                g.permanent_delete(&r).await
            } else {
                g.delete_item(&r, None).await
            }
        })
        .await;
        match r {
            Ok(()) => deleted.push(Value::String(named)),
            Err(e) => failures.push(fail_http("rm", &named)(e)),
        }
    }
    let Some(last) = failures.pop() else {
        return ctx.result(deleted);
    };
    let code = if !deleted.is_empty() {
        // Some were deleted: a script must not read this as "nothing happened".
        ExitCode::Partial
    } else if failures.iter().all(|f| f.code == last.code) {
        last.code
    } else {
        ExitCode::Error
    };
    for f in &failures {
        crate::cli::report(f);
    }
    if !deleted.is_empty() && ctx.show_results {
        // What was deleted goes to stdout (as on success), what failed to stderr.
        if let Some(out) = ctx.result(deleted)? {
            crate::cli::commands::print_partial(ctx, out)?;
        }
    }
    let mut f = Failure::new(code, last.message);
    f.service_code = last.service_code;
    Err(f)
}

/// An argument naming a folder as a folder: a trailing '/' (or an empty last
/// component), which is what `"$DIR/$FILE"` gives when `$FILE` is empty.
fn names_a_folder(arg: &str) -> bool {
    arg.ends_with('/')
}
