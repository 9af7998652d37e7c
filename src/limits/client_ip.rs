//! Who the client is: the one rule every part of the store uses (rate limits, admin sign-in,
//! the webhook's hint budget, fraud data).
//!
//! The TCP peer, unless the peer is a trusted proxy: then the right-most address in
//! `X-Forwarded-For` that is not itself a trusted proxy. Each proxy appends the address it
//! saw, so walking from the right, every entry up to the first untrusted one was written by a
//! proxy we trust; everything left of it came from the client and may be invented.

use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::dev::Payload;
use actix_web::http::header::HeaderValue;
use actix_web::{web, FromRequest, HttpRequest};

use super::{Limits, TrustedProxies};

/// The client's address by the store's rule; `None` only without a TCP peer (unit tests).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let none = TrustedProxies::default();
    let trusted = match req.app_data::<web::Data<Limits>>() {
        Some(limits) => &limits.trusted_proxies,
        None => &none,
    };
    Some(forwarded_client(
        peer,
        req.headers().get_all("x-forwarded-for"),
        trusted,
    ))
}

/// The client's address as a handler argument: `ClientIp(ip)`. Without a TCP peer (unit
/// tests only) it is 0.0.0.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequest for ClientIp {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientIp(
            client_ip(req).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        )))
    }
}

/// The walk itself. Several `X-Forwarded-For` lines count as one list, in order. An entry
/// that is not an address stops the walk at the last trusted hop: nothing left of it can be
/// vouched for.
pub fn forwarded_client<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a HeaderValue>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let mut hops: Vec<Option<IpAddr>> = Vec::new();
    for line in forwarded_for {
        match line.to_str() {
            Ok(text) => hops.extend(text.split(',').map(hop)),
            Err(_) => hops.push(None),
        }
    }
    let mut client = peer;
    for entry in hops.into_iter().rev() {
        let Some(ip) = entry else { break };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// One entry: `203.0.113.7`, `2001:db8::1`, or with a port as some proxies write it
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>()
        .or_else(|_| raw.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| raw.trim_start_matches('[').trim_end_matches(']').parse())
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ip;

    fn walk(peer: &str, lines: &[&str], trusted: &str) -> IpAddr {
        let values: Vec<HeaderValue> = lines
            .iter()
            .map(|l| HeaderValue::from_str(l).unwrap())
            .collect();
        forwarded_client(
            ip(peer),
            values.iter(),
            &TrustedProxies::parse(trusted).unwrap(),
        )
    }

    /// The store's private network, where its proxies live.
    const LAN: &str = "10.0.0.0/8";
    /// A proxy on it, as the TCP peer.
    const PROXY: &str = "10.0.0.2";

    #[test]
    fn the_walk_names_the_client() {
        // The TCP peer, its `X-Forwarded-For` lines, the trusted proxies, the client.
        let cases: &[(&str, &[&str], &str, &str)] = &[
            // An untrusted peer is the client, whatever it says.
            ("127.0.0.1", &["6.6.6.6"], "", "127.0.0.1"),
            ("198.51.100.1", &["6.6.6.6"], LAN, "198.51.100.1"),
            // A trusted peer names the right-most untrusted entry: a client that forged its
            // own header, and the address the proxy appended.
            (PROXY, &["6.6.6.6, 203.0.113.7"], LAN, "203.0.113.7"),
            // Two proxies: the outer one is trusted too, so the walk goes on past it.
            (
                PROXY,
                &["6.6.6.6, 203.0.113.7, 10.0.0.9"],
                LAN,
                "203.0.113.7",
            ),
            // Separate header lines are one list, in order.
            (PROXY, &["6.6.6.6", "203.0.113.7"], LAN, "203.0.113.7"),
            // A trusted peer without a header is the client.
            (PROXY, &[], LAN, PROXY),
            (PROXY, &[""], LAN, PROXY),
            // Garbage stops the walk at the last trusted hop.
            (PROXY, &["203.0.113.7, unknown, 10.0.0.9"], LAN, "10.0.0.9"),
            (PROXY, &["203.0.113.7,,"], LAN, PROXY),
            // An all-trusted chain names its left-most entry.
            (PROXY, &["10.0.0.5, 10.0.0.9"], LAN, "10.0.0.5"),
            // Entries with ports, and IPv6.
            (PROXY, &["203.0.113.7:4711"], LAN, "203.0.113.7"),
            (PROXY, &["[2001:db8::1]:4711"], LAN, "2001:db8::1"),
            ("::ffff:10.0.0.2", &[" 2001:db8::1 "], LAN, "2001:db8::1"),
            ("::ffff:198.51.100.1", &["6.6.6.6"], "", "198.51.100.1"),
        ];
        for &(peer, lines, trusted, client) in cases {
            assert_eq!(
                walk(peer, lines, trusted),
                ip(client),
                "peer {peer}, {lines:?}, trusting {trusted:?}"
            );
        }
    }
}
