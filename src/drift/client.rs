//! The read-only conversation with one cluster's API server: a kube client
//! from a kubeconfig context (its TLS settings honoured, verification never
//! turned off, every request under a timeout), discovery of the resources
//! behind each apiVersion/kind, paginated LISTs by label selector, and GET.
//! Nothing here writes: only GET requests are ever sent.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::Request;
use kube::core::params::{GetParams, ListParams};
use serde::Deserialize;
use serde_json::Value;

/// The largest response body read from a server (a LIST page): an endless or
/// huge body ends the request instead of growing memory until the OOM killer.
pub const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// Pages of one LIST: a server that always answers `continue` is not
/// followed forever.
pub const MAX_PAGES: usize = 1_000;
/// Objects of one cluster across its LISTs.
pub const MAX_OBJECTS: usize = 500_000;

/// Why a request failed, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the credentials were refused.
    Unauthorized(String),
    /// 403: RBAC does not allow it.
    Forbidden(String),
    /// 404: the resource (or object) does not exist.
    NotFound(String),
    /// 410: a continue token expired during a long LIST.
    Gone(String),
    /// No answer within the timeout.
    Timeout(Duration),
    /// No connection (DNS, refused, TLS).
    Unreachable(String),
    Other(String),
}

impl ApiError {
    /// The short reason in reports (`forbidden`, `not_installed`, ...).
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_installed",
            ApiError::Gone(_) => "expired",
            ApiError::Timeout(_) => "timeout",
            ApiError::Unreachable(_) => "unreachable",
            ApiError::Other(_) => "error",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unauthorized(m) => write!(f, "unauthorized (401): {m}"),
            ApiError::Forbidden(m) => write!(f, "forbidden (403): {m}"),
            ApiError::NotFound(m) => write!(f, "not found (404): {m}"),
            ApiError::Gone(m) => write!(f, "gone (410): {m}"),
            ApiError::Timeout(d) => write!(f, "no answer within {}s", d.as_secs_f64()),
            ApiError::Unreachable(m) => write!(f, "unreachable: {m}"),
            ApiError::Other(m) => write!(f, "{m}"),
        }
    }
}

/// An error and its causes on one line (kube's outer errors say little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

fn classify(e: kube::Error, timeout: Duration) -> ApiError {
    match e {
        kube::Error::Api(status) => {
            let msg = if status.message.is_empty() {
                status.reason.clone()
            } else {
                status.message.clone()
            };
            match status.code {
                401 => ApiError::Unauthorized(msg),
                403 => ApiError::Forbidden(msg),
                404 => ApiError::NotFound(msg),
                410 => ApiError::Gone(msg),
                code => ApiError::Other(format!("HTTP {code}: {msg}")),
            }
        }
        other => {
            let text = chain(&other);
            let lower = text.to_ascii_lowercase();
            if lower.contains("timed out") || lower.contains("timeout") {
                ApiError::Timeout(timeout)
            } else if matches!(
                other,
                kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::RustlsTls(_)
            ) {
                ApiError::Unreachable(text)
            } else {
                ApiError::Other(text)
            }
        }
    }
}

/// A connected (not yet contacted) cluster.
pub struct Conn {
    client: kube::Client,
    timeout: Duration,
    /// The API server URL the kubeconfig context names.
    pub url: String,
}

impl Conn {
    /// A client for `context` of `kubeconfig`. Returns warnings alongside.
    pub async fn new(
        kubeconfig: &Kubeconfig,
        context: &str,
        timeout: Duration,
    ) -> Result<(Conn, Vec<String>), String> {
        if !kubeconfig
            .contexts
            .iter()
            .any(|c| c.name == context && c.context.is_some())
        {
            return Err(format!("kubeconfig has no context {context:?}"));
        }
        let opts = KubeConfigOptions {
            context: Some(context.to_string()),
            cluster: None,
            user: None,
        };
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &opts)
            .await
            .map_err(|e| format!("kubeconfig context {context}: {}", chain(&e)))?;
        let mut warnings = Vec::new();
        if config.accept_invalid_certs {
            warnings.push(format!(
                "context {context} sets insecure-skip-tls-verify; drift verifies TLS regardless"
            ));
            config.accept_invalid_certs = false;
        }
        // A bearer token or password over plain http would be readable by
        // anyone on the path: refuse to send it, except to this machine
        // (a port-forward or a local test server, where no network sees it).
        let loopback = config.cluster_url.host().is_some_and(|h| {
            h == "localhost"
                || h.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        let plain_http = config.cluster_url.scheme_str() == Some("http") && !loopback;
        let auth = &config.auth_info;
        let has_credentials = auth.token.is_some()
            || auth.token_file.is_some()
            || auth.password.is_some()
            || auth.exec.is_some()
            || auth.auth_provider.is_some();
        if plain_http && has_credentials {
            return Err(format!(
                "context {context}: refusing to send credentials to {} over plain http; use https",
                crate::redact::safe_line(&config.cluster_url.to_string())
            ));
        }
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
        config.reset_reader_on_write = true;
        let url = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        let client = kube::Client::try_from(config)
            .map_err(|e| format!("context {context}: {}", chain(&e)))?;
        Ok((
            Conn {
                client,
                timeout,
                url,
            },
            warnings,
        ))
    }

    async fn call<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, ApiError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(ApiError::Timeout(self.timeout)),
            Ok(r) => r.map_err(|e| classify(e, self.timeout)),
        }
    }

    /// Map every `apiVersion` in `needed` to the resources it serves: `GET
    /// /api`, `GET /apis`, then one discovery document per needed group
    /// version that the server has (at most `parallel` at once).
    pub async fn discover(
        &self,
        needed: &BTreeSet<String>,
        parallel: usize,
    ) -> Result<Discovery, ApiError> {
        let (core, groups) = tokio::join!(
            self.call(self.client.list_core_api_versions()),
            self.call(self.client.list_api_groups())
        );
        let core = core?;
        let groups = groups?;
        let mut served: BTreeSet<String> = core.versions.into_iter().collect();
        for g in groups.groups {
            for v in g.versions {
                served.insert(v.group_version);
            }
        }
        let mut by_version = BTreeMap::new();
        let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for api_version in needed {
            if !served.contains(api_version) {
                by_version.insert(api_version.clone(), GroupVersion::NotServed);
                continue;
            }
            let client = self.client.clone();
            let timeout = self.timeout;
            let api_version = api_version.clone();
            let sem = sem.clone();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let conn = Conn {
                    client,
                    timeout,
                    url: String::new(),
                };
                let list = if api_version.contains('/') {
                    conn.call(conn.client.list_api_group_resources(&api_version))
                        .await
                } else {
                    conn.call(conn.client.list_core_api_resources(&api_version))
                        .await
                };
                let state = match list {
                    Ok(list) => GroupVersion::Served(
                        list.resources
                            .into_iter()
                            .filter(|r| !r.name.contains('/'))
                            .map(|r| {
                                let rt = ResourceType {
                                    api_version: api_version.clone(),
                                    kind: r.kind.clone(),
                                    plural: r.name,
                                    namespaced: r.namespaced,
                                    verbs: r.verbs,
                                };
                                (r.kind, rt)
                            })
                            .collect(),
                    ),
                    Err(ApiError::NotFound(_)) => GroupVersion::NotServed,
                    Err(e) => GroupVersion::Failed(e),
                };
                (api_version, state)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((v, state)) => {
                    by_version.insert(v, state);
                }
                Err(e) => return Err(ApiError::Other(format!("discovery task failed: {e}"))),
            }
        }
        Ok(Discovery { by_version })
    }

    /// Every object of `rt` (all namespaces) matching `selector`, page by
    /// page. An expired continue token restarts the LIST once.
    pub async fn list(
        &self,
        rt: &ResourceType,
        selector: &str,
        page_size: u32,
        budget: &std::sync::atomic::AtomicUsize,
    ) -> Result<Vec<Value>, ApiError> {
        let mut restarted = false;
        let mut pages = 0usize;
        'restart: loop {
            let mut items = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let lp = ListParams {
                    label_selector: Some(selector.to_string()),
                    limit: Some(page_size),
                    continue_token: token.clone(),
                    ..ListParams::default()
                };
                let req = Request::new(rt.collection_url())
                    .list(&lp)
                    .map_err(|e| ApiError::Other(e.to_string()))?;
                pages += 1;
                if pages > MAX_PAGES {
                    return Err(ApiError::Other(format!(
                        "LIST {} did not end after {MAX_PAGES} pages",
                        rt.plural
                    )));
                }
                let page: RawList = match self.call(self.bounded(req)).await {
                    Ok(p) => p,
                    Err(ApiError::Gone(_)) if !restarted && token.is_some() => {
                        restarted = true;
                        continue 'restart;
                    }
                    Err(e) => return Err(e),
                };
                let page_items = page.items.unwrap_or_default();
                // The cluster's object budget, shared by its concurrent LISTs.
                let n = page_items.len();
                let left = budget.fetch_sub(
                    n.min(budget.load(std::sync::atomic::Ordering::SeqCst)),
                    std::sync::atomic::Ordering::SeqCst,
                );
                if n > left {
                    return Err(ApiError::Other(format!(
                        "LIST {}: the cluster returned more than {MAX_OBJECTS} objects",
                        rt.plural
                    )));
                }
                items.extend(page_items.into_iter().map(slim));
                match page.metadata.continue_token.filter(|t| !t.is_empty()) {
                    // The same token again would loop forever.
                    Some(t) if token.as_deref() == Some(t.as_str()) => {
                        return Err(ApiError::Other(format!(
                            "LIST {} returned the same continue token twice",
                            rt.plural
                        )));
                    }
                    Some(t) => token = Some(t),
                    None => return Ok(items),
                }
            }
        }
    }

    /// A request whose JSON body is read frame by frame, at most
    /// [`MAX_RESPONSE_BYTES`]: an endless body ends the request, it does not
    /// grow memory. Error statuses become `kube::Error::Api`, as kube does.
    async fn bounded<T: serde::de::DeserializeOwned>(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<T, kube::Error> {
        use http_body_util::BodyExt;
        let res = self.client.send(req.map(kube::client::Body::from)).await?;
        let code = res.status();
        let mut body = res.into_body();
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                if (bytes.len() + data.len()) as u64 > MAX_RESPONSE_BYTES {
                    return Err(kube::Error::ReadEvents(std::io::Error::other(format!(
                        "response larger than {} MiB",
                        MAX_RESPONSE_BYTES / (1024 * 1024)
                    ))));
                }
                bytes.extend_from_slice(&data);
            }
        }
        if code.is_client_error() || code.is_server_error() {
            let text = String::from_utf8_lossy(&bytes);
            let status = serde_json::from_str::<kube::core::Status>(&text).unwrap_or_else(|_| {
                kube::core::Status::failure(text.trim(), "Failed to parse error data")
                    .with_code(code.as_u16())
            });
            return Err(kube::Error::Api(status.boxed()));
        }
        serde_json::from_slice(&bytes).map_err(kube::Error::SerdeError)
    }

    /// One object by name; `Ok(None)` when it does not exist.
    pub async fn get(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, ApiError> {
        let url = match (rt.namespaced, namespace) {
            (true, Some(ns)) => rt.namespaced_url(ns),
            _ => rt.collection_url(),
        };
        let req = Request::new(url)
            .get(name, &GetParams::default())
            .map_err(|e| ApiError::Other(e.to_string()))?;
        match self.call(self.bounded::<Value>(req)).await {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Drop what drift never reads and that can be most of an object's size.
fn slim(mut o: Value) -> Value {
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    o
}

#[derive(Deserialize)]
struct RawList {
    #[serde(default)]
    metadata: RawListMeta,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
struct RawListMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

/// What discovery says about one group version.
#[derive(Clone, Debug)]
pub enum GroupVersion {
    /// The server does not serve it (the CRD is not installed).
    NotServed,
    /// Resources by kind.
    Served(BTreeMap<String, ResourceType>),
    /// Its discovery document could not be read.
    Failed(ApiError),
}

#[derive(Clone, Debug, Default)]
pub struct Discovery {
    pub by_version: BTreeMap<String, GroupVersion>,
}

/// A resource type as discovery describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub api_version: String,
    pub kind: String,
    /// The resource name in URLs (`resourcequotas`, `k8sallowedrepos`).
    pub plural: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
}

impl ResourceType {
    fn prefix(&self) -> String {
        if self.api_version.contains('/') {
            format!("/apis/{}", self.api_version)
        } else {
            format!("/api/{}", self.api_version)
        }
    }

    /// All objects, across namespaces.
    pub fn collection_url(&self) -> String {
        format!("{}/{}", self.prefix(), self.plural)
    }

    pub fn namespaced_url(&self, namespace: &str) -> String {
        format!("{}/namespaces/{namespace}/{}", self.prefix(), self.plural)
    }
}
