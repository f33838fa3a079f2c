/**
 * The reverse proxy in front of the cluster's sync servers, as nginx configuration: the blocks
 * `npm run cluster` writes into its nginx.conf (and docs/cluster.md shows).
 */

export function clusterProxyBlocks(proxyPort: number, nodePorts: readonly number[]): string {
  const servers = nodePorts.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=5s;`).join('\n');
  return `  upstream tandem_sync {
${servers}
  }
  # The HTTP fallback's sessions live on one node: every request of a document's sessions goes to
  # the same node, chosen by the document's name (a node that dies moves them, and they start over).
  upstream tandem_fallback {
    hash $tandem_fallback_doc consistent;
${servers}
  }
  map $request_uri $tandem_fallback_doc {
    ~^/_poll/(?<doc>[^/?]+) $doc;
    default '';
  }
  server {
    listen 127.0.0.1:${proxyPort};
    location /_poll/ {
      proxy_pass http://tandem_fallback;
      proxy_http_version 1.1;
      proxy_set_header Connection '';
      # A poll waits up to 25 s for frames; its answer must not wait in a buffer.
      proxy_buffering off;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      client_max_body_size 65m;
    }
    location / {
      proxy_pass http://tandem_sync;
      # WebSocket: the upgrade is hop-by-hop, so nginx passes it on only when told to.
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      # An open document may be quiet for long; the servers ping every few seconds anyway.
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      # A node that is down is skipped for new connections (an open socket cannot move).
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      # Per-address limits see the client, not the proxy (the nodes run with TRUST_PROXY=127.0.0.1).
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      client_max_body_size 3m;
    }
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }`;
}
