// A real OAuth 2.1 authorization server for the oauth tests: oidc-provider
// (OpenID certified) on a loopback port, issuing access tokens for the MCP
// server's resource indicator (RFC 8707) with the client-credentials grant,
// and introspecting opaque ones (RFC 7662).
//
//   node issuer.mjs            env: ISSUER_PORT, ISSUER_KEYS (a JSON file of private JWKs),
//                                   MCP_RESOURCE (the MCP server's canonical /mcp URI),
//                                   NODE_TOOLS_MODULES (.tools/node/node_modules)
//
// Clients: `mcp-jwt` gets JWT access tokens, `mcp-opaque` opaque ones (both secret
// `<id>-secret`, scopes tools:read tools:call math); `mcp-server` is the resource server
// itself, for introspection. Test-only control routes, outside the provider:
//   POST /_rotate   body {"keys": [...]}: sign with these keys from now on (no restart)
//   GET  /_stats    {"jwks": n}: how often the key set was fetched
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// The pinned package lives in .tools/node (tests/tools/package.json), not beside this file,
// and ES modules ignore NODE_PATH: import it by path.
const entry = path.join(process.env.NODE_TOOLS_MODULES, 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(entry).href);

const port = Number(process.env.ISSUER_PORT);
const resource = process.env.MCP_RESOURCE;
const issuer = `http://127.0.0.1:${port}`;
const SCOPES = 'tools:read tools:call math';

const client = (id, alg) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: SCOPES,
  // ID tokens are never issued here, but the client must name an algorithm the keys allow.
  id_token_signed_response_alg: alg,
});

function provider(jwks) {
  const alg = jwks.keys[0].alg;
  const p = new Provider(issuer, {
    jwks,
    clients: ['mcp-jwt', 'mcp-opaque', 'mcp-server'].map((id) => client(id, alg)),
    scopes: SCOPES.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator, c) => {
          if (indicator !== resource) throw new Provider.errors.InvalidTarget();
          const opaque = c.clientId === 'mcp-opaque';
          return {
            scope: SCOPES,
            audience: resource,
            accessTokenTTL: 300,
            accessTokenFormat: opaque ? 'opaque' : 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
    },
  });
  p.proxy = false;
  return p;
}

let current = provider(JSON.parse(fs.readFileSync(process.env.ISSUER_KEYS, 'utf8')));
let jwksFetches = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/_stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jwks: jwksFetches }));
    return;
  }
  if (req.url === '/_rotate' && req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      current = provider(JSON.parse(body));
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  if (req.url === '/jwks') jwksFetches += 1;
  current.callback()(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`issuer ${issuer} ready`);
});
