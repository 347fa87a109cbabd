package fetch

import (
	"context"
	"net"
	"net/http/httptrace"
)

// withConnTrace notes the peer address of the connection a request uses,
// for the WARC-IP-Address field.
// wrote is called once the request has been written.
func withConnTrace(ctx context.Context, remoteIP *string, wrote func()) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if addr, ok := info.Conn.RemoteAddr().(*net.TCPAddr); ok {
				*remoteIP = addr.IP.String()
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote() },
	})
}
