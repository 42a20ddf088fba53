//! Which addresses a webhook may reach: the server-side request forgery policy.
//!
//! Every address a request would connect to — each one DNS returns, and every redirect hop —
//! is classified before connecting. Anything not globally routable (loopback, private,
//! link-local, carrier-grade NAT, unspecified, multicast, broadcast, documentation and other
//! special-purpose ranges, and IPv6 forms that embed such an IPv4 address) is refused unless
//! the operator lists it in `STINT_WEBHOOK_ALLOW_HOSTS` (IP addresses or CIDR ranges).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16`, `fc00::/7`.
    Private,
    /// `169.254/16`, `fe80::/10`.
    LinkLocal,
    /// `100.64.0.0/10` (carrier-grade NAT).
    SharedAddressSpace,
    /// `224/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Documentation, benchmarking, protocol assignments, reserved (`240/4`), deprecated
    /// site-local and discard-only ranges.
    Reserved,
}

impl AddressClass {
    /// Lower-case words for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Unspecified => "unspecified",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::SharedAddressSpace => "carrier-grade NAT",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Reserved => "reserved",
        }
    }
}

/// The class of a non-public address; `None` for a globally routable one.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (192, 168, _) => AddressClass::Private,
        (172, 16..=31, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (100, 64..=127, _) => AddressClass::SharedAddressSpace,
        (224..=239, _, _) => AddressClass::Multicast,
        _ if ip == Ipv4Addr::BROADCAST => AddressClass::Broadcast,
        // 192.0.0.0/24 protocol assignments, 192.0.2/24, 198.51.100/24, 203.0.113/24
        // documentation, 198.18/15 benchmarking, 240/4 reserved.
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressClass::Reserved,
        (198, 18..=19, _) => AddressClass::Reserved,
        (240..=255, _, _) => AddressClass::Reserved,
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    if ip.is_unspecified() {
        return Some(AddressClass::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressClass::Loopback);
    }
    // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96)
    // and 6to4 (2002:a.b.c.d::/48) reach the embedded IPv4 address, so they get its class.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        return classify_v4(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return classify_v4(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if s[0] == 0x2002 {
        return classify_v4(Ipv4Addr::from(((s[1] as u32) << 16) | s[2] as u32));
    }
    Some(match s[0] {
        x if x & 0xfe00 == 0xfc00 => AddressClass::Private,
        x if x & 0xffc0 == 0xfe80 => AddressClass::LinkLocal,
        x if x & 0xffc0 == 0xfec0 => AddressClass::Reserved,
        x if x & 0xff00 == 0xff00 => AddressClass::Multicast,
        // 2001:db8::/32 documentation, 100::/64 discard-only.
        0x2001 if s[1] == 0x0db8 => AddressClass::Reserved,
        0x0100 if s[1..4] == [0, 0, 0] => AddressClass::Reserved,
        _ => return None,
    })
}

/// An address the policy refuses, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is a {} address; webhooks may not reach it unless the operator allows it \
         (STINT_WEBHOOK_ALLOW_HOSTS)", class.as_str())]
pub struct Refused {
    /// The address.
    pub ip: IpAddr,
    /// Its class.
    pub class: AddressClass,
}

/// The operator's allowance on top of "public addresses only".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// Parses a list of IP addresses and CIDR ranges (`127.0.0.1`, `10.1.0.0/16`, `::1`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<AddressPolicy, String> {
        let mut allowed = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match entry.trim_matches(['[', ']']).parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "`{entry}` is neither an IP address nor a CIDR range"
                        ));
                    }
                },
            };
            allowed.push(net);
        }
        Ok(AddressPolicy { allowed })
    }

    /// Whether a connection to `ip` is allowed: public, or listed by the operator.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        let ip = canonical(ip);
        match classify(ip) {
            None => Ok(()),
            Some(_) if self.allowed.iter().any(|n| n.contains(&ip)) => Ok(()),
            Some(class) => Err(Refused { ip, class }),
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Option<AddressClass> {
        classify(s.parse().unwrap())
    }

    #[test]
    fn private_ranges() {
        for ip in [
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
        ] {
            assert_eq!(class(ip), Some(AddressClass::Private), "{ip}");
        }
        for ip in ["172.15.255.255", "172.32.0.0", "11.0.0.1", "192.169.0.1"] {
            assert_eq!(class(ip), None, "{ip}");
        }
    }

    #[test]
    fn link_local_and_cgnat() {
        assert_eq!(class("169.254.169.254"), Some(AddressClass::LinkLocal));
        assert_eq!(class("fe80::1"), Some(AddressClass::LinkLocal));
        assert_eq!(class("febf::1"), Some(AddressClass::LinkLocal));
        assert_eq!(class("100.64.0.1"), Some(AddressClass::SharedAddressSpace));
        assert_eq!(
            class("100.127.255.255"),
            Some(AddressClass::SharedAddressSpace)
        );
        assert_eq!(class("100.63.255.255"), None);
        assert_eq!(class("100.128.0.0"), None);
    }

    #[test]
    fn loopback_unspecified_multicast_broadcast() {
        assert_eq!(class("127.0.0.1"), Some(AddressClass::Loopback));
        assert_eq!(class("127.8.9.10"), Some(AddressClass::Loopback));
        assert_eq!(class("::1"), Some(AddressClass::Loopback));
        assert_eq!(class("0.0.0.0"), Some(AddressClass::Unspecified));
        assert_eq!(class("0.1.2.3"), Some(AddressClass::Unspecified));
        assert_eq!(class("::"), Some(AddressClass::Unspecified));
        assert_eq!(class("224.0.0.1"), Some(AddressClass::Multicast));
        assert_eq!(class("ff02::1"), Some(AddressClass::Multicast));
        assert_eq!(class("255.255.255.255"), Some(AddressClass::Broadcast));
        assert_eq!(class("240.0.0.1"), Some(AddressClass::Reserved));
    }

    #[test]
    fn ipv6_ranges_and_embedded_ipv4() {
        assert_eq!(class("fc00::1"), Some(AddressClass::Private));
        assert_eq!(class("fd12:3456::1"), Some(AddressClass::Private));
        assert_eq!(class("::ffff:127.0.0.1"), Some(AddressClass::Loopback));
        assert_eq!(class("::ffff:10.0.0.1"), Some(AddressClass::Private));
        assert_eq!(class("::ffff:169.254.1.1"), Some(AddressClass::LinkLocal));
        assert_eq!(class("::127.0.0.1"), Some(AddressClass::Loopback));
        assert_eq!(class("64:ff9b::192.168.0.1"), Some(AddressClass::Private));
        assert_eq!(class("2002:0a00:0001::"), Some(AddressClass::Private));
        assert_eq!(class("2001:db8::1"), Some(AddressClass::Reserved));
        assert_eq!(class("fec0::1"), Some(AddressClass::Reserved));
        assert_eq!(class("2606:4700:4700::1111"), None);
        assert_eq!(class("::ffff:1.1.1.1"), None);
    }

    #[test]
    fn documentation_and_public() {
        assert_eq!(class("192.0.2.1"), Some(AddressClass::Reserved));
        assert_eq!(class("198.51.100.7"), Some(AddressClass::Reserved));
        assert_eq!(class("203.0.113.9"), Some(AddressClass::Reserved));
        assert_eq!(class("198.18.0.1"), Some(AddressClass::Reserved));
        for ip in ["1.1.1.1", "8.8.8.8", "93.184.216.34", "2a00:1450::1"] {
            assert_eq!(class(ip), None, "{ip}");
        }
    }

    #[test]
    fn the_operator_allowance() {
        let policy = AddressPolicy::parse(&["127.0.0.1", "10.1.0.0/16", "[::1]"]).unwrap();
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("::ffff:127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("::1".parse().unwrap()).is_ok());
        assert!(policy.check("10.1.200.3".parse().unwrap()).is_ok());
        let refused = policy.check("127.0.0.2".parse().unwrap()).unwrap_err();
        assert_eq!(refused.class, AddressClass::Loopback);
        assert!(policy.check("10.2.0.1".parse().unwrap()).is_err());
        assert!(policy.check("0.0.0.0".parse().unwrap()).is_err());
        assert!(
            AddressPolicy::default()
                .check("1.1.1.1".parse().unwrap())
                .is_ok()
        );
        assert!(AddressPolicy::parse(&["example.com"]).is_err());
    }
}
