//! `TRUSTED_PROXIES`: the addresses whose `X-Forwarded-For` the store believes.

use std::fmt;
use std::net::IpAddr;

/// An address block such as `172.28.0.0/16`, or one address (`10.0.0.7` = `/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Host bits are cleared (`172.28.0.1/16` is `172.28.0.0/16`), since writing the proxy's
    /// own address with the network's length is a common way to name a network.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (addr, prefix) = match raw.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (raw, None),
        };
        let ip: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("`{raw}` is not an IP address or CIDR block (like 10.0.0.0/8)"))?;
        let ip = ip.to_canonical();
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => {
                    return Err(format!(
                        "`{raw}`: the prefix length must be a number from 0 to {max}"
                    ))
                }
            },
        };
        Ok(Self {
            network: mask(ip, prefix),
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.network.is_ipv4() && mask(ip, self.prefix) == self.network
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = bits.checked_shr(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(kept.checked_shl(32 - u32::from(prefix)).unwrap_or(0).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = bits.checked_shr(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(
                kept.checked_shl(128 - u32::from(prefix))
                    .unwrap_or(0)
                    .into(),
            )
        }
    }
}

/// The reverse proxies in front of the store. Empty by default: then no header is believed
/// and the client is the TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR blocks; the error names the bad entry.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().map(Cidr::to_string).collect();
        f.write_str(&shown.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ip;

    #[test]
    fn blocks_and_single_addresses() {
        let net = Cidr::parse("172.28.0.0/16").unwrap();
        assert!(net.contains(ip("172.28.0.1")));
        assert!(net.contains(ip("172.28.255.255")));
        assert!(!net.contains(ip("172.29.0.1")));
        assert!(!net.contains(ip("::1")));
        let one = Cidr::parse(" 10.0.0.7 ").unwrap();
        assert!(one.contains(ip("10.0.0.7")));
        assert!(!one.contains(ip("10.0.0.8")));
        assert_eq!(one.to_string(), "10.0.0.7/32");
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert!(!all.contains(ip("2001:db8::1")));
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(
            Cidr::parse("172.28.0.1/16").unwrap(),
            Cidr::parse("172.28.0.0/16").unwrap()
        );
        assert_eq!(Cidr::parse("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
    }

    #[test]
    fn ipv6_blocks_and_mapped_ipv4_peers() {
        let net = Cidr::parse("fd00::/8").unwrap();
        assert!(net.contains(ip("fd12:3456::1")));
        assert!(!net.contains(ip("fe80::1")));
        assert!(Cidr::parse("[::1]").unwrap().contains(ip("::1")));
        // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d.
        let v4 = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(v4.contains(ip("::ffff:10.1.2.3")));
        assert!(Cidr::parse("::ffff:10.0.0.1")
            .unwrap()
            .contains(ip("10.0.0.1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("2001:db8::1")));
    }

    #[test]
    fn bad_entries_are_named() {
        for (raw, says) in [
            ("10.0.0.0/33", "0 to 32"),
            ("fd00::/129", "0 to 128"),
            ("10.0.0.0/x", "0 to 32"),
            ("10.0.0.0/-1", "0 to 32"),
            ("proxy.internal", "not an IP address"),
            ("10.0.0", "not an IP address"),
            ("10.0.0.0/", "0 to 32"),
        ] {
            let err = Cidr::parse(raw).unwrap_err();
            assert!(err.contains(raw) && err.contains(says), "{raw}: {err}");
        }
        let err = TrustedProxies::parse("10.0.0.0/8, 999.1.1.1").unwrap_err();
        assert!(err.contains("999.1.1.1"), "{err}");
    }

    #[test]
    fn lists_ignore_blank_entries() {
        let list = TrustedProxies::parse("127.0.0.1, ,172.28.0.0/16,").unwrap();
        assert_eq!(list.to_string(), "127.0.0.1/32,172.28.0.0/16");
        assert!(list.contains(ip("172.28.3.4")));
        assert!(!list.contains(ip("192.168.0.1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
