package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlockedAddress says a URL resolved to an address the crawler must not
// reach: loopback, private, link-local (cloud metadata), multicast or another
// special-purpose range. Fetching from such addresses would let a crafted
// link or redirect probe the machine's own network.
var ErrBlockedAddress = errors.New("address not allowed")

// specialPrefixes are the IANA special-purpose ranges the netip predicates
// do not already cover.
var specialPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",         // "this network"
		"100.64.0.0/10",     // carrier-grade NAT
		"192.0.0.0/24",      // IETF protocol assignments
		"192.0.2.0/24",      // TEST-NET-1
		"192.88.99.0/24",    // 6to4 relay anycast
		"198.18.0.0/15",     // benchmarking
		"198.51.100.0/24",   // TEST-NET-2
		"203.0.113.0/24",    // TEST-NET-3
		"240.0.0.0/4",       // reserved, and broadcast
		"64:ff9b::/96",      // NAT64: embeds an IPv4 address we cannot vet here
		"64:ff9b:1::/48",    // local-use NAT64
		"100::/64",          // discard-only
		"2001::/23",         // IETF protocol assignments (Teredo, ORCHID, ...)
		"2001:db8::/32",     // documentation
		"2002::/16",         // 6to4: embeds an IPv4 address
		"fec0::/10",         // deprecated site-local
		"::/128", "::1/128", // unspecified, loopback
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// CheckAddress returns an error wrapping ErrBlockedAddress if addr is not a
// public unicast address.
func CheckAddress(addr netip.Addr) error {
	a := addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case !a.IsValid(),
		a.IsLoopback(), a.IsPrivate(), a.IsUnspecified(),
		a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(),
		a.IsInterfaceLocalMulticast(), a.IsMulticast():
		return fmt.Errorf("%w: %s", ErrBlockedAddress, addr)
	}
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is in %s", ErrBlockedAddress, addr, p)
		}
	}
	return nil
}

// dialer resolves a host itself, vets every address, and connects only to an
// address it vetted, so DNS rebinding between check and connect is impossible.
type dialer struct {
	allowPrivate bool
	timeout      time.Duration
	resolve      func(ctx context.Context, host string) ([]netip.Addr, error)
	connect      func(ctx context.Context, network, address string) (net.Conn, error)
}

func newDialer(cfg *Config) *dialer {
	d := &dialer{allowPrivate: cfg.AllowPrivateAddresses, timeout: cfg.ConnectTimeout, resolve: cfg.Resolve, connect: cfg.Connect}
	if d.resolve == nil {
		d.resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if d.connect == nil {
		nd := &net.Dialer{Timeout: d.timeout, Control: d.control}
		d.connect = nd.DialContext
	}
	return d
}

func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		if addrs, err = d.resolve(ctx, host); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	var firstErr error
	for _, ip := range addrs {
		if !d.allowPrivate {
			if err := CheckAddress(ip); err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("dial %s: %w", host, err)
				}
				continue
			}
		}
		conn, err := d.connect(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// control re-checks the address the kernel is about to connect to: a second
// line of defence should a future change bypass DialContext's own check.
func (d *dialer) control(network, address string, _ syscall.RawConn) error {
	if d.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparseable %s", ErrBlockedAddress, address)
	}
	return CheckAddress(ap.Addr())
}
