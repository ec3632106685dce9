//! One method per Graph call the CLI makes. No policy here (no walks, no choice of upload
//! strategy, no polling loops): that is the `drive` layer's job.

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use url::Url;

use super::address::{DriveSelector, ItemRef, encode_segment};
use super::types::{
    AsyncJobStatus, Collection, ConflictBehavior, Drive, DriveItem, LinkScope, LinkType,
    Permission, Site, UploadSession, User,
};
use crate::http::client::{parse_json, read_json};
use crate::http::{Error, HttpClient, Request, Result, redact};

/// Graph's production base URL.
pub const DEFAULT_GRAPH_URL: &str = crate::config::cloud::Cloud::Global.graph_url();

/// Page size asked for when listing (the documented maximum; default is 200).
pub const PAGE_SIZE: u32 = 1000;

/// Most redirects followed from `/content` to the bytes (each hop without token).
const MAX_DOWNLOAD_REDIRECTS: usize = 5;

/// A byte range of a download (RFC 9110 `Range: bytes=…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `start-end`, both inclusive.
    FromTo(u64, u64),
    /// `start-`: from `start` to the end.
    From(u64),
    /// `-n`: the last `n` bytes.
    Last(u64),
}

impl ByteRange {
    /// The `Range` header value.
    pub fn header_value(&self) -> String {
        match self {
            ByteRange::FromTo(a, b) => format!("bytes={a}-{b}"),
            ByteRange::From(a) => format!("bytes={a}-"),
            ByteRange::Last(n) => format!("bytes=-{n}"),
        }
    }
}

/// A 64-bit digest of an item id, to remember ids seen without keeping them.
fn id_key(id: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// The destination folder of a copy or move.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParentRef {
    /// Needed for copies to another drive; Graph recommends sending it always for copy.
    pub drive_id: Option<String>,
    /// The real folder id (Graph refuses the `root` alias in a move body).
    pub id: String,
}

impl ParentRef {
    fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        if let Some(d) = &self.drive_id {
            m.insert("driveId".into(), Value::String(d.clone()));
        }
        m.insert("id".into(), Value::String(self.id.clone()));
        Value::Object(m)
    }
}

/// A completed delta round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeltaRound {
    /// Items in their latest state; when an item appears twice, the last one wins.
    pub items: Vec<DriveItem>,
    /// Where to ask for the next changes (absent if the service gave none).
    pub delta_link: Option<Url>,
}

/// `query` with `&$select=…` appended when there is a `select` list.
fn with_select(query: &str, select: Option<&str>) -> String {
    match select {
        Some(s) => format!("{query}&$select={s}"),
        None => query.to_owned(),
    }
}

/// A spawned request that is cancelled when its result is no longer wanted (a walk
/// that stopped early), so no request outlives the call that started it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A collection page's links, read without its items (serde skips `value`).
#[derive(serde::Deserialize)]
struct PageLinks {
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
}

/// One page of a delta round, and where the round goes on.
#[derive(Clone, Debug)]
pub struct DeltaPage {
    pub items: Vec<DriveItem>,
    /// The nextLink, when the round has more pages.
    pub next: Option<Url>,
    /// The deltaLink, on the last page.
    pub delta_link: Option<Url>,
}

/// The answer to one upload-session fragment.
#[derive(Clone, Debug, PartialEq)]
pub enum FragmentOutcome {
    /// 202: more bytes expected (`nextExpectedRanges`).
    Accepted(UploadSession),
    /// 201 (new file) or 200 (replaced): the upload is committed.
    Completed(Box<DriveItem>),
}

/// A download in progress: status and headers are known, the body is streamed.
#[derive(Debug)]
pub struct Download {
    response: reqwest::Response,
    shown_url: String,
}

impl Download {
    /// 200 (whole file) or 206 (the requested range). The server may ignore `Range` and
    /// answer 200 with everything.
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// Whether the body is the requested range only (206).
    pub fn is_partial(&self) -> bool {
        self.response.status() == StatusCode::PARTIAL_CONTENT
    }

    /// `Content-Length` (absent when the body is compressed).
    pub fn content_length(&self) -> Option<u64> {
        self.response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    }

    /// The media type of `Content-Type` (parameters dropped, lower case), e.g.
    /// `text/html`.
    pub fn media_type(&self) -> Option<String> {
        let v = self
            .response
            .headers()
            .get(header::CONTENT_TYPE)?
            .to_str()
            .ok()?;
        Some(
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
        )
    }

    /// `Content-Range` of a 206, e.g. `bytes 0-1023/2048`.
    pub fn content_range(&self) -> Option<&str> {
        self.response
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
    }

    /// The body, chunk by chunk.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let shown = self.shown_url;
        self.response
            .bytes_stream()
            .map_err(move |e| Error::Transport {
                method: "GET".into(),
                url: shown.clone(),
                source: Box::new(e.without_url()),
            })
    }

    /// The whole body in memory (small files and tests).
    pub async fn bytes(self) -> Result<Bytes> {
        let shown = self.shown_url;
        self.response.bytes().await.map_err(|e| Error::Transport {
            method: "GET".into(),
            url: shown,
            source: Box::new(e.without_url()),
        })
    }
}

/// The Graph client: typed requests against one drive.
#[derive(Clone, Debug)]
pub struct GraphClient {
    http: HttpClient,
    /// Base URL without trailing slash (`https://graph.microsoft.com/v1.0`).
    base: String,
    base_url: Url,
    drive: DriveSelector,
}

impl GraphClient {
    /// `http` must carry a token source for Graph calls ([`HttpClient::with_token_source`]).
    pub fn new(http: HttpClient, graph_url: &str, drive: DriveSelector) -> Result<Self> {
        let base = graph_url.trim_end_matches('/').to_owned();
        let base_url = Url::parse(&base)
            .map_err(|e| Error::InvalidInput(format!("invalid graph_url {base:?}: {e}")))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::InvalidInput(format!(
                "invalid graph_url {base:?}: not an http(s) URL"
            )));
        }
        Ok(Self {
            http,
            base,
            base_url,
            drive,
        })
    }

    /// The HTTP layer (for callers that need raw requests).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The drive requests address.
    pub fn drive_selector(&self) -> &DriveSelector {
        &self.drive
    }

    /// The same client (connection pool, tokens, retry budget settings) addressing
    /// another drive: a SharePoint document library, or the drive a shared item lives
    /// in (`remoteItem.parentReference.driveId`, reached as `/drives/{id}/items/{id}`,
    /// notes §3.1).
    pub fn for_drive(&self, drive: DriveSelector) -> GraphClient {
        GraphClient {
            drive,
            ..self.clone()
        }
    }

    /// The absolute URL of an API path (already encoded) with an optional raw query.
    /// The query is set verbatim so `$top` and `@microsoft.graph.…` keep their form.
    pub fn url(&self, api_path: &str, query: Option<&str>) -> Result<Url> {
        let mut u = Url::parse(&format!("{}{api_path}", self.base))
            .map_err(|e| Error::InvalidInput(format!("cannot build URL for {api_path}: {e}")))?;
        if let Some(q) = query {
            u.set_query(Some(q));
        }
        Ok(u)
    }

    fn item_url(&self, item: &ItemRef, rel: Option<&str>, query: Option<&str>) -> Result<Url> {
        self.url(&item.api_path(&self.drive, rel), query)
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T> {
        self.http.send_json(Request::new(Method::GET, url)).await
    }

    /// `GET /me`.
    pub async fn get_me(&self) -> Result<User> {
        self.get_json(self.url("/me", None)?).await
    }

    /// `GET /me/drive` (or `/drives/{id}`): drive facts and quota.
    pub async fn get_drive(&self) -> Result<Drive> {
        self.get_json(self.url(&self.drive.api_path(), None)?).await
    }

    /// `GET /me/drives`: the drives the user can reach (their OneDrive; on work or school
    /// accounts also the document libraries they follow), every page.
    pub async fn list_drives(&self) -> Result<Vec<Drive>> {
        self.collect_pages(self.url("/me/drives", None)?).await
    }

    /// `GET /sites?search={query}`: the SharePoint sites whose names and descriptions
    /// match the keywords (learn.microsoft.com/graph/api/site-search; work or school
    /// accounts), every page. The query is percent-encoded as one query value.
    pub async fn search_sites(&self, query: &str) -> Result<Vec<Site>> {
        let q = percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC);
        self.collect_pages(self.url("/sites", Some(&format!("search={q}")))?)
            .await
    }

    /// `GET /sites/{site-id}/drives`: a site's document libraries
    /// (learn.microsoft.com/graph/api/drive-list), every page. Site ids are
    /// `{hostname},{collection guid},{web guid}`: each part is encoded, the commas kept
    /// as they are, since the docs' examples address sites by the id as listed
    /// (`GET /sites/contoso.sharepoint.com,2C712604-…,2D2244C3-…`, graph/api/site-get).
    pub async fn site_drives(&self, site_id: &str) -> Result<Vec<Drive>> {
        let id: Vec<String> = site_id.split(',').map(encode_segment).collect();
        self.collect_pages(self.url(&format!("/sites/{}/drives", id.join(",")), None)?)
            .await
    }

    /// `GET /me/drive/sharedWithMe`: items other users shared with the signed-in user,
    /// each with the `remoteItem` facet naming the item and its drive, every page.
    /// Microsoft deprecated it: "degraded state until November, 2026, after which it
    /// will stop returning data" (graph/api/drive-sharedwithme); since Nov 2025 it was
    /// seen returning one item (microsoftgraph/msgraph-sdk-design#120). An empty answer
    /// therefore does not prove that nothing is shared.
    pub async fn shared_with_me(&self) -> Result<Vec<DriveItem>> {
        self.collect_pages(self.url("/me/drive/sharedWithMe", None)?)
            .await
    }

    /// `GET /shares/{token}/driveItem` with `Prefer: redeemSharingLink`: the item a
    /// sharing link points at (Graph "Access shared items"; `token` is `u!` + the link in
    /// unpadded base64url, see `drive::sharing_url`). Redeeming is what opening the link
    /// in a browser does: the access lasts, so the item can then be addressed in its own
    /// drive. `--debug` traces hide the token (`redact::url`).
    pub async fn shared_drive_item(&self, token: &str) -> Result<DriveItem> {
        let url = self.url(
            &format!("/shares/{}/driveItem", encode_segment(token)),
            Some("$select=id,name,parentReference,file,folder,size"),
        )?;
        let req = Request::new(Method::GET, url).header_str(
            header::HeaderName::from_static("prefer"),
            "redeemSharingLink",
        )?;
        self.http.send_json(req).await
    }

    /// `GET` one item (by path: one request, no walk).
    pub async fn get_item(&self, item: &ItemRef) -> Result<DriveItem> {
        self.get_json(self.item_url(item, None, None)?).await
    }

    /// `GET` one item with OData options, e.g. `$expand=children` or `$select=id,name`.
    pub async fn get_item_with(&self, item: &ItemRef, query: &str) -> Result<DriveItem> {
        self.get_json(self.item_url(item, None, Some(query))?).await
    }

    /// One page of a collection, from its first URL or a nextLink.
    pub async fn get_page<T: DeserializeOwned>(&self, url: Url) -> Result<Collection<T>> {
        self.get_json(url).await
    }

    /// Pages of a collection, following `@odata.nextLink` (fetched verbatim, never
    /// re-encoded) until the last page. The bearer token is only ever sent to the Graph
    /// host: a nextLink to another origin is refused.
    pub fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        first: Url,
    ) -> impl Stream<Item = Result<Vec<T>>> + Send + 'static + use<T> {
        let this = self.clone();
        futures_util::stream::try_unfold(Some(first), move |next| {
            let this = this.clone();
            async move {
                let Some(url) = next else {
                    return Ok(None);
                };
                let page: Collection<T> = this.get_page(url).await?;
                let next = this.check_link(page.next_link)?;
                Ok(Some((page.value, next)))
            }
        })
    }

    /// Whether `url` is on the Graph host this client sends its token to (a stored
    /// link from another host, e.g. after `api.graph_url` changed, is not followed).
    pub fn is_graph_link(&self, url: &Url) -> bool {
        url.origin() == self.base_url.origin()
    }

    /// [`Self::check_next_link`] on a link a page may carry.
    fn check_link(&self, link: Option<String>) -> Result<Option<Url>> {
        link.map(|l| self.check_next_link(&l)).transpose()
    }

    fn check_next_link(&self, link: &str) -> Result<Url> {
        let u = Url::parse(link).map_err(|e| Error::Unexpected {
            method: "GET".into(),
            url: redact::url(&self.base_url),
            detail: format!("invalid @odata.nextLink: {e}"),
        })?;
        if u.origin() != self.base_url.origin() {
            return Err(Error::Unexpected {
                method: "GET".into(),
                url: redact::url(&self.base_url),
                detail: format!(
                    "@odata.nextLink points to another host ({}); not sending the token there",
                    u.host_str().unwrap_or("?")
                ),
            });
        }
        Ok(u)
    }

    async fn collect_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        first: Url,
    ) -> Result<Vec<T>> {
        self.pages::<T>(first).try_concat().await
    }

    /// The children of a folder, a page (up to 1000 items) at a time; `select`: a
    /// `$select` list (every property when `None`).
    ///
    /// Each child comes once: the service was seen repeating items across page
    /// boundaries (OneDrive/onedrive-api-docs#1669, #740), so an id already listed is
    /// dropped from later pages (8 bytes kept per child). A page may be empty and still
    /// lead on (#516): it is returned empty and paging goes on.
    pub fn children_pages(
        &self,
        folder: &ItemRef,
        select: Option<&str>,
    ) -> Result<impl Stream<Item = Result<Vec<DriveItem>>> + Send + 'static + use<>> {
        let query = with_select(&format!("$top={PAGE_SIZE}"), select);
        let url = self.item_url(folder, Some("children"), Some(&query))?;
        let mut seen = std::collections::HashSet::<u64>::new();
        Ok(self.pages(url).map_ok(move |mut page: Vec<DriveItem>| {
            page.retain(|i| i.id.is_empty() || seen.insert(id_key(&i.id)));
            page
        }))
    }

    /// All children of a folder (paging followed), in the service's order.
    pub async fn list_children(&self, folder: &ItemRef) -> Result<Vec<DriveItem>> {
        self.list_children_selected(folder, None).await
    }

    /// The same with only the properties `select` names (a `$select` list; `id` and
    /// annotations come anyway).
    pub async fn list_children_selected(
        &self,
        folder: &ItemRef,
        select: Option<&str>,
    ) -> Result<Vec<DriveItem>> {
        self.children_pages(folder, select)?.try_concat().await
    }

    /// One round of `GET {folder}/delta` (all pages): every item of the subtree in its
    /// latest state (`parentReference.path` may be absent; deleted items carry
    /// `deleted`), and the `@odata.deltaLink` to ask for the changes since. `since`: a
    /// previous deltaLink. A stale link answers 410 (`resyncRequired` and friends): start
    /// again without one. `select`: a `$select` list for the first request (the
    /// service carries it into the links).
    ///
    /// Each page's links are read before its items are parsed, and the next page is
    /// requested at once: parsing 1,000 items costs about as much as a round trip, so
    /// the two overlap instead of adding up.
    pub async fn delta(
        &self,
        folder: &ItemRef,
        since: Option<&Url>,
        select: Option<&str>,
    ) -> Result<DeltaRound> {
        let first = match since {
            Some(link) => self.check_next_link(link.as_str())?,
            None => self.delta_url(folder, select)?,
        };
        self.delta_from(first, Vec::new()).await
    }

    /// The first page of a full delta enumeration of `folder` (see [`Self::delta`]):
    /// its items, and the link to the rest (`None`: the round is done, and its
    /// deltaLink is in [`DeltaPage::delta_link`]). Continue with [`Self::delta_from`].
    pub async fn delta_first_page(
        &self,
        folder: &ItemRef,
        select: Option<&str>,
    ) -> Result<DeltaPage> {
        // Nothing to ask for before the items are read: the page is parsed once.
        let (body, shown) = self.get_body(self.delta_url(folder, select)?).await?;
        let page: Collection<DriveItem> = parse_json(&body, "GET", &shown)?;
        Ok(DeltaPage {
            items: page.value,
            next: self.check_link(page.next_link)?,
            delta_link: self.check_link(page.delta_link)?,
        })
    }

    /// A page's nextLink and deltaLink, checked to be on the Graph host, read without
    /// parsing its items (so the next page can be asked for first).
    fn page_links(&self, body: &[u8], shown: &str) -> Result<(Option<Url>, Option<Url>)> {
        let links: PageLinks = parse_json(body, "GET", shown)?;
        Ok((
            self.check_link(links.next_link)?,
            self.check_link(links.delta_link)?,
        ))
    }

    /// The rest of a delta round from the page at `url` (a nextLink or a deltaLink),
    /// appended to `items`.
    pub async fn delta_from(&self, url: Url, mut items: Vec<DriveItem>) -> Result<DeltaRound> {
        let (mut body, mut shown) = self.get_body(url).await?;
        loop {
            let (next, delta_link) = self.page_links(&body, &shown)?;
            let prefetch = match next {
                Some(url) => {
                    let this = self.clone();
                    Some(AbortOnDrop(tokio::spawn(async move {
                        this.get_body(url).await
                    })))
                }
                None => None,
            };
            let page: Collection<DriveItem> = parse_json(&body, "GET", &shown)?;
            items.extend(page.value);
            match prefetch {
                Some(mut task) => {
                    (body, shown) = (&mut task.0).await.map_err(|e| Error::Unexpected {
                        method: "GET".into(),
                        url: shown.clone(),
                        detail: format!("the next page's request failed: {e}"),
                    })??;
                }
                None => return Ok(DeltaRound { items, delta_link }),
            }
        }
    }

    /// `GET {folder}/delta?token=latest`: no items, only the deltaLink of the current
    /// state (Graph: "latest ... returns an empty response with the latest delta
    /// token"), to follow changes from now on without enumerating anything.
    pub async fn delta_latest(&self, folder: &ItemRef, select: Option<&str>) -> Result<Url> {
        let query = with_select("token=latest", select);
        let url = self.item_url(folder, Some("delta"), Some(&query))?;
        let (body, shown) = self.get_body(url).await?;
        match self.page_links(&body, &shown)?.1 {
            Some(l) => Ok(l),
            None => Err(Error::Unexpected {
                method: "GET".into(),
                url: shown,
                detail: "delta?token=latest gave no @odata.deltaLink".into(),
            }),
        }
    }

    /// `{folder}/delta?$top=1000[&$select=…]`.
    fn delta_url(&self, folder: &ItemRef, select: Option<&str>) -> Result<Url> {
        let query = with_select(&format!("$top={PAGE_SIZE}"), select);
        self.item_url(folder, Some("delta"), Some(&query))
    }

    /// `GET url`'s body, and the URL as errors show it.
    async fn get_body(&self, url: Url) -> Result<(Bytes, String)> {
        let req = Request::new(Method::GET, url);
        let shown = req.shown_url();
        Ok((self.http.send_read(req).await?, shown))
    }

    /// `GET /me/drive/recent` (deprecated by Microsoft; degraded until Nov 2026).
    pub async fn recent(&self) -> Result<Vec<DriveItem>> {
        let url = self.url(&format!("{}/recent", self.drive.api_path()), None)?;
        self.collect_pages(url).await
    }

    /// `POST {parent}/children` with `{"name","folder":{},"@microsoft.graph.conflictBehavior"}`.
    /// Graph: 201 with the new folder; some services answer 200 with the existing one.
    pub async fn create_folder(
        &self,
        parent: &ItemRef,
        name: &str,
        conflict: ConflictBehavior,
    ) -> Result<DriveItem> {
        let url = self.item_url(parent, Some("children"), None)?;
        let body = json!({
            "name": name,
            "folder": {},
            "@microsoft.graph.conflictBehavior": conflict.as_str(),
        });
        let mut req = Request::new(Method::POST, url).json(&body)?;
        if conflict != ConflictBehavior::Rename {
            // A repeat after a lost answer meets the folder the first one made: `fail`
            // answers 409 (which callers that ensure a folder read as "it exists"),
            // `replace` replaces it with an identical empty folder. Under `rename` a
            // repeat would make a second folder, so it is not retried.
            req = req.idempotent();
        }
        self.http.send_json(req).await
    }

    /// `PATCH` an item with only the changed fields (rename, move, fileSystemInfo,
    /// description). `if_match`: an eTag; a mismatch gives 412.
    ///
    /// Setting fields to given values is idempotent in effect when the item is named by
    /// its id (a rename or move does not change the id), so a 500/502/504 or a cut
    /// connection is retried then: the answer may have been lost after the change was
    /// made. Named by path, a repeat after a rename or move that took would meet 404,
    /// so it is not retried. With `if_match`, a repeat after a change that took meets
    /// 412 (the eTag moved), which the caller sees.
    pub async fn update_item(
        &self,
        item: &ItemRef,
        patch: &Value,
        if_match: Option<&str>,
    ) -> Result<DriveItem> {
        let url = self.item_url(item, None, None)?;
        let mut req = Request::new(Method::PATCH, url).json(patch)?;
        if matches!(item, ItemRef::Id(_) | ItemRef::Root) {
            req = req.idempotent();
        }
        if let Some(tag) = if_match {
            req = req.header_str(header::IF_MATCH, tag)?;
        }
        self.http.send_json(req).await
    }

    /// Moves and/or renames an item (`PATCH` with `parentReference` and `name`).
    pub async fn move_item(
        &self,
        item: &ItemRef,
        new_parent: Option<&ParentRef>,
        new_name: Option<&str>,
    ) -> Result<DriveItem> {
        let mut patch = serde_json::Map::new();
        if let Some(p) = new_parent {
            patch.insert("parentReference".into(), p.to_json());
        }
        if let Some(n) = new_name {
            patch.insert("name".into(), Value::String(n.to_owned()));
        }
        self.update_item(item, &Value::Object(patch), None).await
    }

    /// `DELETE` an item (to the recycle bin; folders recursively). Graph: 204.
    pub async fn delete_item(&self, item: &ItemRef, if_match: Option<&str>) -> Result<()> {
        let url = self.item_url(item, None, None)?;
        let mut req = Request::new(Method::DELETE, url);
        if let Some(tag) = if_match {
            req = req.header_str(header::IF_MATCH, tag)?;
        }
        self.http.send(req).await?;
        Ok(())
    }

    /// `POST {item}/permanentDelete`: the item (a folder with its content) is removed
    /// without going to the recycle bin; Graph: 204 ("driveItem: permanentDelete").
    /// Drives that do not offer it answer an error whose code says so (`notSupported`,
    /// exit 6 at the CLI).
    pub async fn permanent_delete(&self, item: &ItemRef) -> Result<()> {
        let url = self.item_url(item, Some("permanentDelete"), None)?;
        self.http.send(Request::new(Method::POST, url)).await?;
        Ok(())
    }

    /// `POST {item}/copy` with `Prefer: respond-async`. Graph answers 202 with the monitor
    /// URL in `Location` (possibly on another host); returns that URL, to be polled with
    /// [`poll_monitor`](Self::poll_monitor).
    pub async fn copy_item(
        &self,
        item: &ItemRef,
        dest: &ParentRef,
        name: Option<&str>,
        conflict: Option<ConflictBehavior>,
    ) -> Result<Url> {
        let query = conflict.map(|c| format!("@microsoft.graph.conflictBehavior={}", c.as_str()));
        let url = self.item_url(item, Some("copy"), query.as_deref())?;
        let shown = redact::url(&url);
        let mut body = serde_json::Map::new();
        body.insert("parentReference".into(), dest.to_json());
        if let Some(n) = name {
            body.insert("name".into(), Value::String(n.to_owned()));
        }
        let req = Request::new(Method::POST, url.clone())
            .header(
                HeaderName::from_static("prefer"),
                HeaderValue::from_static("respond-async"),
            )
            .json(&Value::Object(body))?;
        let resp = self.http.send(req).await?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(Error::Unexpected {
                method: "POST".into(),
                url: shown,
                detail: format!(
                    "copy answered HTTP {} instead of 202",
                    resp.status().as_u16()
                ),
            });
        }
        location(&resp, &url).ok_or_else(|| Error::Unexpected {
            method: "POST".into(),
            url: shown,
            detail: "copy answered 202 without a Location (monitor) header".into(),
        })
    }

    /// Reads a copy monitor: a plain GET **without** `Authorization` (the monitor is
    /// pre-authenticated and may be on a SharePoint host that rejects Graph tokens).
    /// 200, 202 and 303 are all status replies; a 303 is read, not followed.
    pub async fn poll_monitor(&self, monitor: &Url) -> Result<AsyncJobStatus> {
        let req = Request::preauthenticated(Method::GET, monitor.clone());
        let shown = redact::preauthenticated_url(monitor);
        let resp = self.http.send(req).await?;
        let status = resp.status();
        if status == StatusCode::SEE_OTHER {
            // OneDrive docs: 303 with Location of the new item once done; body optional.
            let loc = location(&resp, monitor);
            let body = resp.bytes().await.unwrap_or_default();
            let mut job: AsyncJobStatus = serde_json::from_slice(&body).unwrap_or_default();
            if job.status.is_none() {
                job.status = Some("completed".into());
            }
            if job.resource_id.is_none() {
                job.resource_id = loc.as_ref().and_then(resource_id_from_location);
            }
            return Ok(job);
        }
        read_json(resp, "GET", &shown).await
    }

    /// `POST {item}/createLink`. Graph: 201 for a new link, 200 for an existing one.
    pub async fn create_link(
        &self,
        item: &ItemRef,
        link_type: LinkType,
        scope: Option<LinkScope>,
    ) -> Result<Permission> {
        let url = self.item_url(item, Some("createLink"), None)?;
        let mut body = serde_json::Map::new();
        body.insert("type".into(), Value::String(link_type.as_str().into()));
        if let Some(s) = scope {
            body.insert("scope".into(), Value::String(s.as_str().into()));
        }
        // Graph returns the existing link of that type when there is one, so a repeat
        // after a lost answer changes nothing.
        self.http
            .send_json(
                Request::new(Method::POST, url)
                    .json(&Value::Object(body))?
                    .idempotent(),
            )
            .await
    }

    /// Downloads a file: `GET {item}/content` answers 302 to a pre-authenticated URL,
    /// which is then fetched without `Authorization` (with `range` if given).
    pub async fn download(&self, item: &ItemRef, range: Option<ByteRange>) -> Result<Download> {
        let url = self.item_url(item, Some("content"), None)?;
        let mut req = Request::new(Method::GET, url.clone());
        if let Some(r) = range {
            // Harmless on the redirecting endpoint; used if a server answers directly.
            req = req.header_str(header::RANGE, &r.header_value())?;
        }
        let shown = redact::url(&url);
        let resp = self.http.send(req).await?;
        if resp.status().is_redirection() {
            let next = location(&resp, &url).ok_or_else(|| Error::Unexpected {
                method: "GET".into(),
                url: shown.clone(),
                detail: "redirect without Location".into(),
            })?;
            return self.download_url(&next, range).await;
        }
        Ok(Download {
            response: resp,
            shown_url: shown,
        })
    }

    /// Fetches a pre-authenticated download URL (`@microsoft.graph.downloadUrl` or the
    /// `/content` redirect target) without `Authorization`, following further redirects.
    pub async fn download_url(&self, url: &Url, range: Option<ByteRange>) -> Result<Download> {
        let mut current = url.clone();
        for _ in 0..=MAX_DOWNLOAD_REDIRECTS {
            let mut req = Request::preauthenticated(Method::GET, current.clone());
            if let Some(r) = range {
                // Byte offsets must be offsets of the stored bytes, never of a
                // compressed representation.
                req = req
                    .header_str(header::RANGE, &r.header_value())?
                    .header_str(header::ACCEPT_ENCODING, "identity")?;
            }
            let resp = self.http.send(req).await?;
            if resp.status().is_redirection() {
                match location(&resp, &current) {
                    Some(next) => {
                        current = next;
                        continue;
                    }
                    None => break,
                }
            }
            return Ok(Download {
                response: resp,
                shown_url: redact::preauthenticated_url(&current),
            });
        }
        Err(Error::Unexpected {
            method: "GET".into(),
            url: redact::preauthenticated_url(url),
            detail: "too many redirects".into(),
        })
    }

    fn content_url(&self, target: &ItemRef, conflict: Option<ConflictBehavior>) -> Result<Url> {
        // Graph wants conflictBehavior for PUT in the query string; default is replace.
        let query = conflict.map(|c| format!("@microsoft.graph.conflictBehavior={}", c.as_str()));
        self.item_url(target, Some("content"), query.as_deref())
    }

    /// Simple upload from memory: `PUT {target}/content`. `target` names the file, e.g.
    /// `folder.join(name)` for a new file or an id to replace content.
    /// Graph: 201 for a new file, 200 when replaced.
    pub async fn upload_small(
        &self,
        target: &ItemRef,
        data: Bytes,
        conflict: Option<ConflictBehavior>,
    ) -> Result<DriveItem> {
        let url = self.content_url(target, conflict)?;
        // A cut connection is not retried here: it may be the service answering early
        // (409, 507, …) and closing; the caller learns the answer another way.
        let req = Request::new(Method::PUT, url)
            .bytes(
                data,
                Some(HeaderValue::from_static("application/octet-stream")),
            )
            .no_transport_retry();
        self.http.send_json(req).await
    }

    /// Simple upload from a stream of `length` bytes (not retried: a stream is read once).
    pub async fn upload_small_stream(
        &self,
        target: &ItemRef,
        body: reqwest::Body,
        length: u64,
        conflict: Option<ConflictBehavior>,
    ) -> Result<DriveItem> {
        let url = self.content_url(target, conflict)?;
        let req = Request::new(Method::PUT, url).stream(
            body,
            Some(length),
            Some(HeaderValue::from_static("application/octet-stream")),
        );
        self.http.send_json(req).await
    }

    /// `POST {target}:/createUploadSession`. `conflict` goes inside `item` (a top-level
    /// value is ignored); `modified` (RFC 3339) sets `fileSystemInfo.lastModifiedDateTime`
    /// without an extra version; `file_size` enables the quota pre-check (Personal).
    pub async fn create_upload_session(
        &self,
        target: &ItemRef,
        conflict: Option<ConflictBehavior>,
        file_size: Option<u64>,
        modified: Option<&str>,
    ) -> Result<UploadSession> {
        let url = self.item_url(target, Some("createUploadSession"), None)?;
        let mut item = serde_json::Map::new();
        if let Some(c) = conflict {
            item.insert(
                "@microsoft.graph.conflictBehavior".into(),
                Value::String(c.as_str().into()),
            );
        }
        if let Some(n) = file_size {
            item.insert("fileSize".into(), Value::from(n));
        }
        if let Some(m) = modified {
            item.insert(
                "fileSystemInfo".into(),
                json!({ "lastModifiedDateTime": m }),
            );
        }
        let body = json!({ "item": Value::Object(item) });
        // A repeat after a lost answer only opens a second session; the unused one
        // expires on its own (createUploadSession doc: sessions expire).
        let session: UploadSession = self
            .http
            .send_json(Request::new(Method::POST, url).json(&body)?.idempotent())
            .await?;
        if session.upload_url.is_none() {
            return Err(Error::Unexpected {
                method: "POST".into(),
                url: redact::url(&self.item_url(target, Some("createUploadSession"), None)?),
                detail: "upload session without uploadUrl".into(),
            });
        }
        Ok(session)
    }

    /// `PUT {uploadUrl}` with `Content-Range: bytes {offset}-{end}/{total}` and no
    /// `Authorization`; `body` streams exactly `len` bytes (so memory does not grow with
    /// the fragment size). Fragments go in order; all but the last must be multiples of
    /// 320 KiB and each < 60 MiB (the caller's job). Errors come back unretried (a
    /// stream is read once): a 416 `fragmentOverlap`, a cut connection or a 5xx mean
    /// "read [`upload_session_status`](Self::upload_session_status) and resume from
    /// `nextExpectedRanges`", which only the caller can do.
    pub async fn upload_fragment(
        &self,
        upload_url: &Url,
        offset: u64,
        len: u64,
        total: u64,
        body: reqwest::Body,
    ) -> Result<FragmentOutcome> {
        if len == 0 {
            return Err(Error::InvalidInput("empty upload fragment".into()));
        }
        let end = offset + len - 1;
        let req = Request::preauthenticated(Method::PUT, upload_url.clone())
            .header_str(
                header::CONTENT_RANGE,
                &format!("bytes {offset}-{end}/{total}"),
            )?
            .stream(body, Some(len), None)
            .no_transport_retry();
        let shown = redact::preauthenticated_url(upload_url);
        let resp = self.http.send(req).await?;
        match resp.status() {
            StatusCode::ACCEPTED => Ok(FragmentOutcome::Accepted(
                read_json(resp, "PUT", &shown).await?,
            )),
            StatusCode::OK | StatusCode::CREATED => Ok(FragmentOutcome::Completed(Box::new(
                read_json(resp, "PUT", &shown).await?,
            ))),
            other => Err(Error::Unexpected {
                method: "PUT".into(),
                url: shown,
                detail: format!("upload fragment answered HTTP {}", other.as_u16()),
            }),
        }
    }

    /// `GET {uploadUrl}`: which ranges the service still expects.
    pub async fn upload_session_status(&self, upload_url: &Url) -> Result<UploadSession> {
        self.http
            .send_json(Request::preauthenticated(Method::GET, upload_url.clone()))
            .await
    }

    /// `DELETE {uploadUrl}`: drops the session and its bytes (Graph: 204).
    pub async fn cancel_upload_session(&self, upload_url: &Url) -> Result<()> {
        self.http
            .send(Request::preauthenticated(
                Method::DELETE,
                upload_url.clone(),
            ))
            .await?;
        Ok(())
    }
}

use reqwest::header::HeaderName;

/// The `Location` header resolved against the request URL.
fn location(resp: &reqwest::Response, base: &Url) -> Option<Url> {
    let v = resp.headers().get(header::LOCATION)?.to_str().ok()?;
    base.join(v).ok()
}

/// The last path segment of an item URL (`…/items/{id}`).
fn resource_id_from_location(u: &Url) -> Option<String> {
    let seg = u.path_segments()?.next_back()?;
    let id = percent_encoding::percent_decode_str(seg)
        .decode_utf8()
        .ok()?;
    (!id.is_empty()).then(|| id.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert_eq!(ByteRange::FromTo(0, 499).header_value(), "bytes=0-499");
        assert_eq!(ByteRange::From(500).header_value(), "bytes=500-");
        assert_eq!(ByteRange::Last(500).header_value(), "bytes=-500");
    }

    #[test]
    fn urls_keep_odata_and_annotation_syntax() {
        let g = GraphClient::new(
            HttpClient::new().unwrap(),
            "http://127.0.0.1:1/v1.0/",
            DriveSelector::Me,
        )
        .unwrap();
        let u = g
            .item_url(&ItemRef::path("/a b"), Some("children"), Some("$top=1000"))
            .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:1/v1.0/me/drive/root:/a%20b:/children?$top=1000"
        );
        let u = g
            .content_url(&ItemRef::Root.join("x.txt"), Some(ConflictBehavior::Fail))
            .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:1/v1.0/me/drive/root:/x.txt:/content?@microsoft.graph.conflictBehavior=fail"
        );
        assert!(
            g.check_next_link("http://127.0.0.1:1/v1.0/x?$skiptoken=a")
                .is_ok()
        );
        assert!(g.check_next_link("http://evil.example/v1.0/x").is_err());
        assert!(
            GraphClient::new(HttpClient::new().unwrap(), "ftp://x", DriveSelector::Me).is_err()
        );
    }

    #[test]
    fn resource_id_from_monitor_location() {
        let u = Url::parse("https://g/v1.0/drives/D/items/D!12").unwrap();
        assert_eq!(resource_id_from_location(&u).as_deref(), Some("D!12"));
    }
}
