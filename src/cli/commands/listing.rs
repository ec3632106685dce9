//! `ls` and `tree`.

use serde_json::{Map, Value};

use super::{CommandResult, Ctx, fail, fail_http, to_value};
use crate::cli::args::{LsArgs, TreeArgs};
use crate::drive::range::ListRange;
use crate::drive::walk::{self, TreeNode};

/// Names sorted (by code point, as the original's `sorted`), then the range applied.
pub async fn ls(ctx: &Ctx, a: &LsArgs, range: ListRange) -> CommandResult {
    let obj = ctx.object(a.folder.as_deref());
    let shown = obj.display();
    let mut items = ctx
        .graph
        .list_children(&obj.item_ref())
        .await
        .map_err(fail_http("ls", &shown))?;
    items.sort_by(|x, y| x.name().cmp(y.name()));
    let items = range.apply(items);
    let out: Vec<Value> = if a.objects {
        items.iter().map(to_value).collect()
    } else {
        items
            .iter()
            .map(|i| Value::String(i.name().to_owned()))
            .collect()
    };
    Ok(Some(Value::Array(out).into()))
}

/// `{root name: {child: type | {…}}}`; with `-o` a file is `[type, object]` (a list, so
/// files stay distinguishable from folders, as in the original).
pub async fn tree(ctx: &Ctx, a: &TreeArgs) -> CommandResult {
    let obj = ctx.object(a.folder.as_deref());
    let shown = obj.display();
    let mut opts = a.walk.options();
    if !a.objects {
        // Names and type words only: smaller pages (objects need every property).
        opts.select = Some(walk::TREE_FIELDS);
    }
    let root = walk::walk(&ctx.graph, &obj.item_ref(), opts)
        .await
        .map_err(fail("tree", &shown))?;
    let mut top = Map::new();
    top.insert(root.item.name().to_owned(), node_value(&root, a.objects));
    Ok(Some(Value::Object(top).into()))
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
