//! `mkdir`, `cp`, `mv`, `rm`.

use std::time::Duration;

use serde_json::Value;

use super::{CommandResult, Ctx, fail_http};
use crate::cli::args::{CpArgs, MkdirArgs, MvArgs, RmArgs};
use crate::cli::exit::drive_failure;
use crate::cli::exit::{ExitCode, Failure};
use crate::drive::DriveError;
use crate::drive::locate::{on_object, resolve_followed};
use crate::drive::resolve::{Argument, Object};
use crate::drive::{copy, mkdir as mk};
use crate::graph::ItemRef;

/// How long `cp` waits for the service's asynchronous copy.
const COPY_MAX_WAIT: Duration = Duration::from_secs(600);

pub async fn mkdir(ctx: &Ctx, a: &MkdirArgs, metadata: Option<&Value>) -> CommandResult {
    let mut parent = ctx.object("mkdir", a.folder.as_deref()).await?;
    let mut name = a.name.as_str();
    // NAME given as another drive's address: its folder is the parent.
    let named = Object::parse(Some(&a.name), ctx.reading);
    if a.folder.is_none()
        && let Object::InDrive {
            drive_id,
            id,
            path: Some(p),
        } = &named
    {
        parent = Object::InDrive {
            drive_id: drive_id.clone(),
            id: id.clone(),
            path: None,
        };
        name = p.as_str();
    }
    // Where the folder goes: the FOLDER argument, and the path inside NAME.
    let (dir, base) = mk::split_name(name);
    let place = match (&parent, a.folder.as_deref(), &dir) {
        (Object::InDrive { drive_id, id, .. }, None, _) => Object::InDrive {
            drive_id: drive_id.clone(),
            id: id.clone(),
            path: dir.clone(),
        }
        .display(),
        (_, Some(f), Some(d)) => format!("{}/{d}", f.trim_end_matches('/')),
        (_, Some(f), None) => f.to_owned(),
        (_, None, Some(d)) => d.clone(),
        (_, None, None) => "/".to_owned(),
    };
    // Without -p, NAME's path is part of the parent's address, so that a path through
    // a shortcut is followed like any other object's (drive::shortcut).
    if !a.parents
        && let Some(d) = &dir
    {
        let folded = match &parent {
            Object::Root => Some(Object::Path(d.clone())),
            Object::Path(p) => Some(Object::Path(format!("{p}/{d}"))),
            Object::InDrive { drive_id, id, path } => Some(Object::InDrive {
                drive_id: drive_id.clone(),
                id: id.clone(),
                path: Some(match path {
                    Some(p) => format!("{p}/{d}"),
                    None => d.clone(),
                }),
            }),
            _ => None,
        };
        if let Some(f) = folded {
            parent = f;
            name = base.as_str();
        }
    }
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
    let fail = fail_into("cp", &a.file, place, "; cp copies into a folder");
    // The destination is read first (a copy needs its real id and drive); it may be in
    // another drive than the source (Graph copies between drives).
    let (dst_graph, folder) = resolve_followed(&ctx.graph, &dst)
        .await
        .map_err(|e| fail(DriveError::destination(e)))?;
    let (dst_graph, folder) = (&dst_graph, &folder);
    // Only the POST may be sent again at the shared folder's address (drive::shortcut):
    // once it is answered, a copy is under way.
    let (graph, monitor) = on_object(&ctx.graph, &src, |g, r| async move {
        let monitor = copy::start(&g, &r, dst_graph, folder).await?;
        Ok::<_, DriveError>((g, monitor))
    })
    .await
    .map_err(&fail)?;
    let item = copy::wait(&graph, dst_graph, &monitor, COPY_MAX_WAIT)
        .await
        .map_err(fail)?;
    ctx.result(item)
}

pub async fn mv(ctx: &Ctx, a: &MvArgs) -> CommandResult {
    let src = ctx.object("mv", Some(&a.object)).await?;
    let dst = ctx
        .object("mv: destination folder", a.folder.as_deref())
        .await?;
    let place = a.folder.as_deref().unwrap_or("/");
    let hint = "; mv moves into a folder (to rename, use info_set OBJECT '{\"name\": \"NEW\"}')";
    let fail = fail_into("mv", &a.object, place, hint);
    // The destination and the object's id are read at once (no extra round trip).
    let dest = async {
        resolve_followed(&ctx.graph, &dst)
            .await
            .map_err(DriveError::destination)
    };
    // The move is sent by id (see copy::by_id): a path-named object is read first, with
    // its drive.
    let item = on_object(&ctx.graph, &src, |g, r| async move {
        if !matches!(r, ItemRef::Path(_) | ItemRef::IdPath { .. }) {
            return Ok::<_, DriveError>((g, r, None));
        }
        let item = g.get_item_with(&r, "$select=id,parentReference").await?;
        Ok((g, ItemRef::Id(item.id.clone()), Some(item)))
    });
    let ((dst_graph, folder), (graph, id, read)) = tokio::try_join!(dest, item).map_err(&fail)?;
    // Graph's PATCH cannot move between drives (notes §8): when the two sides are
    // addressed differently, compare their drives before sending.
    if graph.drive_selector() != dst_graph.drive_selector() {
        let read = match read {
            Some(r) => r,
            None => graph
                .get_item_with(&id, "$select=id,parentReference")
                .await
                .map_err(|e| fail(e.into()))?,
        };
        if !crate::drive::locate::same_drive(&graph, Some(&read), &dst_graph, Some(&folder))
            .await
            .map_err(&fail)?
        {
            return Err(fail(DriveError::BetweenDrives));
        }
    }
    let item = copy::move_to(&graph, &id, &folder).await.map_err(fail)?;
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
