//! `get` and `put`.

use std::path::PathBuf;

use super::{CommandResult, Ctx, fail};
use crate::cli::args::{GetArgs, PutArgs};
use crate::cli::exit::Failure;
use crate::drive::Progress;
use crate::drive::download::{self, Destination};
use crate::drive::range::ByteRange;
use crate::drive::upload::{self, Source, UploadOptions};
use crate::graph::ConflictBehavior;

pub async fn get(ctx: &Ctx, a: &GetArgs, range: Option<ByteRange>) -> CommandResult {
    let obj = ctx.object(Some(&a.file));
    let dst = match a.dst.as_deref() {
        None | Some("-") => Destination::Stdout,
        Some(p) => Destination::File(PathBuf::from(p)),
    };
    // File bytes printed on the terminal and a bar on the same terminal would mix.
    let to_terminal =
        dst == Destination::Stdout && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let (progress, bar) = if to_terminal {
        (Progress::none(), None)
    } else {
        progress_bar(ctx, &a.file)
    };
    let result = download::download(&ctx.graph, &obj.item_ref(), range, &dst, &progress).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let done = result.map_err(fail("get", &a.file))?;
    tracing::debug!(
        "downloaded {} bytes{}",
        done.bytes,
        if done.verified {
            ", QuickXorHash verified"
        } else {
            ""
        }
    );
    // Bytes went to stdout: never mix a result document into them.
    if dst == Destination::Stdout {
        return Ok(None);
    }
    ctx.result(done.item)
}

pub async fn put(ctx: &Ctx, a: &PutArgs, fragment: Option<u64>) -> CommandResult {
    let folder = ctx.object(a.folder.as_deref());
    let (source, name) = if a.file == "-" {
        let name = a
            .name
            .clone()
            .ok_or_else(|| Failure::usage("put: reading stdin ('-') needs --name NAME"))?;
        (Source::Stdin, name)
    } else {
        let path = PathBuf::from(&a.file);
        let name = match &a.name {
            Some(n) => n.clone(),
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Failure::usage(format!("put: '{}' has no file name", a.file)))?,
        };
        (Source::File(path), name)
    };
    let conflict = if a.no_overwrite {
        ConflictBehavior::Fail
    } else if a.rename {
        ConflictBehavior::Rename
    } else {
        ConflictBehavior::Replace
    };
    let (progress, bar) = progress_bar(ctx, &name);
    let opts = UploadOptions {
        name,
        conflict,
        force_session: a.bits || fragment.is_some(),
        fragment: fragment.unwrap_or(upload::DEFAULT_FRAGMENT),
        progress,
    };
    let result = upload::upload(&ctx.graph, &folder.item_ref(), source, &opts).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let item = result.map_err(fail("put", &a.file))?;
    ctx.result(item)
}

/// A byte progress bar on stderr, only when it is a terminal (never in pipes, logs or
/// tests); cleared when the transfer ends.
fn progress_bar(ctx: &Ctx, label: &str) -> (Progress, Option<indicatif::ProgressBar>) {
    if !ctx.progress_bars {
        return (Progress::none(), None);
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_message(label.to_owned());
    let b = bar.clone();
    let progress = Progress::new(move |done, total| {
        b.set_length(total);
        b.set_position(done);
    });
    (progress, Some(bar))
}
