//! National clouds: the Graph and identity-platform hosts of each Microsoft cloud, so
//! that `--cloud us-gov` (or `api.cloud`) is all a government or China user sets.
//!
//! Hosts from Microsoft's "Microsoft Graph national cloud deployments" page
//! (learn.microsoft.com/graph/deployments): Graph's service root and the Microsoft
//! Entra ID (login) endpoint of each cloud. `api.graph_url` and `api.login_url` still
//! override them (an emulator, a proxy).

/// A Microsoft cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Cloud {
    /// The global service (graph.microsoft.com, login.microsoftonline.com).
    Global,
    /// US Government L4 (GCC High): graph.microsoft.us, login.microsoftonline.us.
    UsGov,
    /// US Government L5 (DoD): dod-graph.microsoft.us, login.microsoftonline.us.
    UsGovDod,
    /// Operated by 21Vianet in China: microsoftgraph.chinacloudapi.cn,
    /// login.chinacloudapi.cn.
    China,
}

impl Cloud {
    /// The names `--cloud` and `api.cloud` take, for messages: `global, us-gov, …`.
    pub fn names() -> String {
        use clap::ValueEnum as _;
        Self::value_variants()
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reads `api.cloud` (case-insensitive; `None` for an unknown name).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "global" | "" => Some(Self::Global),
            "us-gov" | "usgov" | "gcc-high" => Some(Self::UsGov),
            "us-gov-dod" | "usgovdod" | "dod" => Some(Self::UsGovDod),
            "china" => Some(Self::China),
            _ => None,
        }
    }

    /// The name as written in the state file (and given to `--cloud`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::UsGov => "us-gov",
            Self::UsGovDod => "us-gov-dod",
            Self::China => "china",
        }
    }

    /// Graph's service root with the API version, e.g. `https://graph.microsoft.us/v1.0`.
    pub const fn graph_url(self) -> &'static str {
        match self {
            Self::Global => "https://graph.microsoft.com/v1.0",
            Self::UsGov => "https://graph.microsoft.us/v1.0",
            Self::UsGovDod => "https://dod-graph.microsoft.us/v1.0",
            Self::China => "https://microsoftgraph.chinacloudapi.cn/v1.0",
        }
    }

    /// The identity platform's host.
    pub const fn login_url(self) -> &'static str {
        self.login().0
    }

    /// The native-client redirect URI on that identity platform.
    pub const fn native_redirect_uri(self) -> &'static str {
        self.login().1
    }

    /// The identity platform's host and its native-client redirect URI (one literal per
    /// cloud: the URI is the host's `/common/oauth2/nativeclient`).
    const fn login(self) -> (&'static str, &'static str) {
        macro_rules! login {
            ($host:literal) => {
                ($host, concat!($host, "/common/oauth2/nativeclient"))
            };
        }
        match self {
            Self::Global => login!("https://login.microsoftonline.com"),
            Self::UsGov | Self::UsGovDod => login!("https://login.microsoftonline.us"),
            Self::China => login!("https://login.chinacloudapi.cn"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_has_its_own_hosts_and_a_name_that_reads_back() {
        for c in [Cloud::Global, Cloud::UsGov, Cloud::UsGovDod, Cloud::China] {
            assert_eq!(Cloud::parse(c.name()), Some(c));
            assert!(c.graph_url().starts_with("https://") && c.graph_url().ends_with("/v1.0"));
            assert!(c.native_redirect_uri().starts_with(c.login_url()));
        }
        assert_eq!(Cloud::parse("China"), Some(Cloud::China));
        assert_eq!(Cloud::parse("mars"), None);
    }
}
