//! `mkdir`, `cp`, `mv`, `rm`.

use std::time::Duration;

use serde_json::Value;

use super::{CommandResult, Ctx, fail, fail_http};
use crate::cli::args::{CpArgs, MkdirArgs, MvArgs, RmArgs};
use crate::cli::exit::{ExitCode, Failure};
use crate::drive::{copy, mkdir as mk};

/// How long `cp` waits for the service's asynchronous copy.
const COPY_MAX_WAIT: Duration = Duration::from_secs(600);

pub async fn mkdir(ctx: &Ctx, a: &MkdirArgs, metadata: Option<&Value>) -> CommandResult {
    let parent = ctx.object(a.folder.as_deref());
    let item = mk::mkdir(&ctx.graph, &parent.item_ref(), &a.name, a.parents, metadata)
        .await
        .map_err(fail("mkdir", &a.name))?;
    ctx.result(item)
}

pub async fn cp(ctx: &Ctx, a: &CpArgs) -> CommandResult {
    let src = ctx.object(Some(&a.file));
    let dst = ctx.object(a.folder.as_deref());
    let item = copy::copy(&ctx.graph, &src.item_ref(), &dst.item_ref(), COPY_MAX_WAIT)
        .await
        .map_err(fail("cp", &a.file))?;
    ctx.result(item)
}

pub async fn mv(ctx: &Ctx, a: &MvArgs) -> CommandResult {
    let src = ctx.object(Some(&a.object));
    let dst = ctx.object(a.folder.as_deref());
    let item = copy::move_to(&ctx.graph, &src.item_ref(), &dst.item_ref())
        .await
        .map_err(fail("mv", &a.object))?;
    ctx.result(item)
}

/// Deletes every object; a failure is reported and the others are still deleted. The
/// exit code is the failure's own when all failures agree (e.g. 3 for missing objects),
/// else 1.
pub async fn rm(ctx: &Ctx, a: &RmArgs) -> CommandResult {
    let mut failures: Vec<Failure> = Vec::new();
    let mut deleted = Vec::new();
    for o in &a.objects {
        let obj = ctx.object(Some(o));
        match ctx.graph.delete_item(&obj.item_ref(), None).await {
            Ok(()) => deleted.push(Value::String(o.clone())),
            Err(e) => failures.push(fail_http("rm", o)(e)),
        }
    }
    let Some(last) = failures.pop() else {
        return ctx.result(deleted);
    };
    let code = if failures.iter().all(|f| f.code == last.code) {
        last.code
    } else {
        ExitCode::Error
    };
    for f in &failures {
        crate::cli::report(f);
    }
    Err(Failure::new(code, last.message))
}
