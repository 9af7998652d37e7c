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

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

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

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        assert_eq!(walk("127.0.0.1", &["6.6.6.6"], ""), ip("127.0.0.1"));
        assert_eq!(
            walk("198.51.100.1", &["6.6.6.6"], "10.0.0.0/8"),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_trusted_peer_names_the_right_most_untrusted_entry() {
        // A client that forged its own header: the proxy appended the address it saw.
        assert_eq!(
            walk("10.0.0.2", &["6.6.6.6, 203.0.113.7"], "10.0.0.0/8"),
            ip("203.0.113.7")
        );
        // Two proxies: the outer one is trusted too, so the walk goes on past it.
        assert_eq!(
            walk(
                "10.0.0.2",
                &["6.6.6.6, 203.0.113.7, 10.0.0.9"],
                "10.0.0.0/8"
            ),
            ip("203.0.113.7")
        );
        // Separate header lines are one list, in order.
        assert_eq!(
            walk("10.0.0.2", &["6.6.6.6", "203.0.113.7"], "10.0.0.0/8"),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_trusted_peer_without_a_header_is_the_client() {
        assert_eq!(walk("10.0.0.2", &[], "10.0.0.0/8"), ip("10.0.0.2"));
        assert_eq!(walk("10.0.0.2", &[""], "10.0.0.0/8"), ip("10.0.0.2"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        assert_eq!(
            walk(
                "10.0.0.2",
                &["203.0.113.7, unknown, 10.0.0.9"],
                "10.0.0.0/8"
            ),
            ip("10.0.0.9")
        );
        assert_eq!(
            walk("10.0.0.2", &["203.0.113.7,,"], "10.0.0.0/8"),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn an_all_trusted_chain_names_its_left_most_entry() {
        assert_eq!(
            walk("10.0.0.2", &["10.0.0.5, 10.0.0.9"], "10.0.0.0/8"),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn entries_with_ports_and_ipv6() {
        assert_eq!(
            walk("10.0.0.2", &["203.0.113.7:4711"], "10.0.0.0/8"),
            ip("203.0.113.7")
        );
        assert_eq!(
            walk("10.0.0.2", &["[2001:db8::1]:4711"], "10.0.0.0/8"),
            ip("2001:db8::1")
        );
        assert_eq!(
            walk("::ffff:10.0.0.2", &[" 2001:db8::1 "], "10.0.0.0/8"),
            ip("2001:db8::1")
        );
        assert_eq!(
            walk("::ffff:198.51.100.1", &["6.6.6.6"], ""),
            ip("198.51.100.1")
        );
    }
}
