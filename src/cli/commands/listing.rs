//! `ls` and `tree`.

use futures_util::StreamExt as _;
use serde_json::{Map, Value};

use super::{CommandResult, Ctx, fail, fail_http, to_value};
use crate::cli::args::{LsArgs, TreeArgs};
use crate::cli::exit::Failure;
use crate::cli::output::ListWriter;
use crate::drive::locate::{on_object, resolve_followed};
use crate::drive::range::ListRange;
use crate::drive::walk::{self, TreeNode};
use crate::graph::DriveItem;

/// Names sorted (by code point, as the original's `sorted`), then the range applied;
/// the whole listing is read first and kept as names only (objects with `-o`). With
/// `-U`, each page is printed as it arrives (see [`ls_unsorted`]).
pub async fn ls(ctx: &Ctx, a: &LsArgs, range: ListRange) -> CommandResult {
    let obj = ctx.object("ls", a.folder.as_deref()).await?;
    let shown = obj.display();
    // `-k` picks from objects, so it needs them as `-o` does.
    let objects = a.objects || ctx.output.template.is_some();
    // Names only: a page a fifth of its full size (id comes anyway).
    let select = (!objects).then_some("name");
    // The first page tells whether the folder exists; a "not found" for a path through
    // a shortcut is asked again at the shared folder (drive::shortcut).
    let (first, rest) = on_object(&ctx.graph, &obj, |g, r| async move {
        let mut pages = Box::pin(g.children_pages(&r, select)?);
        let first = pages.next().await.transpose()?;
        Ok::<_, crate::http::Error>((first, pages))
    })
    .await
    .map_err(fail_http("ls", &shown))?;
    let pages = futures_util::stream::iter(first.map(Ok)).chain(rest);
    let mut pages = std::pin::pin!(pages);
    if a.unsorted {
        return ls_unsorted(ctx, &mut pages, range, objects, &shown).await;
    }
    let out: Vec<Value> = if objects {
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            items.extend(page.map_err(fail_http("ls", &shown))?);
        }
        items.sort_by(|x, y| x.name().cmp(y.name()));
        range.apply(items).iter().map(to_value).collect()
    } else {
        let mut names: Vec<String> = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(fail_http("ls", &shown))?;
            names.extend(page.into_iter().map(|i| i.name.unwrap_or_default()));
        }
        names.sort();
        range.apply(names).into_iter().map(Value::String).collect()
    };
    Ok(Some(Value::Array(out).into()))
}

/// `ls -U`: prints each page as it arrives, in the service's order, holding one page;
/// stops asking for pages once the range is printed, or when stdout is closed
/// (`| head`).
async fn ls_unsorted(
    ctx: &Ctx,
    pages: &mut (impl futures_util::Stream<Item = crate::http::Result<Vec<DriveItem>>> + Unpin),
    range: ListRange,
    objects: bool,
    shown: &str,
) -> CommandResult {
    let mut skip = range.offset.unwrap_or(0);
    let mut left = range.limit;
    let mut w = ListWriter::new(std::io::BufWriter::new(std::io::stdout()), &ctx.output);
    let written = async {
        while left != Some(0) {
            let Some(page) = pages.next().await else {
                break;
            };
            let page = page.map_err(fail_http("ls", shown))?;
            for item in page {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                if left == Some(0) {
                    break;
                }
                let v = if objects {
                    to_value(&item)
                } else {
                    Value::String(item.name.unwrap_or_default())
                };
                w.item(&v).map_err(write_failure)?;
                left = left.map(|l| l - 1);
            }
            w.flush().map_err(write_failure)?;
        }
        Ok::<(), WriteOrFail>(())
    }
    .await;
    match written {
        Ok(()) => match w.finish().map_err(write_failure) {
            Ok(()) | Err(WriteOrFail::ClosedPipe) => Ok(None),
            Err(WriteOrFail::Fail(f)) => Err(f),
        },
        Err(WriteOrFail::ClosedPipe) => Ok(None),
        Err(WriteOrFail::Fail(f)) => {
            // Close what was printed (a --json array stays valid JSON); the failure
            // and the exit code say it is incomplete.
            let _ = w.finish();
            Err(f)
        }
    }
}

/// Why a streamed listing stopped early.
enum WriteOrFail {
    /// The reader went away (`| head`): not worth a complaint.
    ClosedPipe,
    Fail(Failure),
}

impl From<Failure> for WriteOrFail {
    fn from(f: Failure) -> Self {
        Self::Fail(f)
    }
}

fn write_failure(e: std::io::Error) -> WriteOrFail {
    crate::cli::output::write_failure(e).map_or(WriteOrFail::ClosedPipe, WriteOrFail::Fail)
}

/// `{root name: {child: type | {…}}}`; with `-o` a file is `[type, object]` (a list, so
/// files stay distinguishable from folders, as in the original). With `-k`, the list of
/// every item's object (the folder first, then depth-first by name), which the template
/// turns into one line each.
pub async fn tree(ctx: &Ctx, a: &TreeArgs) -> CommandResult {
    let obj = ctx.object("tree", a.folder.as_deref()).await?;
    let shown = obj.display();
    let mut opts = a.walk.options();
    let flat = ctx.output.template.is_some();
    if !a.objects && !flat {
        // Names and type words only: smaller pages (objects need every property).
        opts.select = Some(walk::TREE_FIELDS);
    }
    let (graph, folder) = resolve_followed(&ctx.graph, &obj)
        .await
        .map_err(fail("tree", &shown))?;
    let root = walk::walk_from(&graph, folder, opts)
        .await
        .map_err(fail("tree", &shown))?;
    if flat {
        let mut items = Vec::new();
        preorder(&root, &mut items);
        return Ok(Some(Value::Array(items).into()));
    }
    let mut top = Map::new();
    top.insert(root.item.name().to_owned(), node_value(&root, a.objects));
    Ok(Some(Value::Object(top).into()))
}

fn preorder(node: &TreeNode, out: &mut Vec<Value>) {
    out.push(to_value(&node.item));
    for c in &node.children {
        preorder(c, out);
    }
}

fn node_value(node: &TreeNode, objects: bool) -> Value {
    if walk::is_container(&node.item) {
        let mut m = Map::new();
        for c in &node.children {
            m.insert(c.item.name().to_owned(), node_value(c, objects));
        }
        Value::Object(m)
    } else if objects {
        Value::Array(vec![
            Value::String(walk::type_word(&node.item).into()),
            to_value(&node.item),
        ])
    } else {
        Value::String(walk::type_word(&node.item).into())
    }
}
