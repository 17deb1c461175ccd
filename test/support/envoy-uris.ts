/** URIs for the policy readers' URI check (test/resources/read/envoy-uri.test.ts) and Envoy's answer on them (test/e2e/envoy-uri.test.ts). */
export const ACCEPTED_URIS = [
  'https://idp.example.com/jwks',
  'http://127.0.0.1:8089/keys.json',
  'https://[2001:db8::1]:8443/jwks',
  'https://idp.example.com',
  'https://idp.example.com:443/a/b?c=d&e=f',
  'https://IDP.Example.COM./x',
];

/** Each passes `new URL()`; Envoy refuses it. */
export const REFUSED_URIS = [
  'https:idp.example.com/jwks', // no //
  'https:\\\\idp.example.com\\jwks', // backslashes
  'https://idp_x.example.com/jwks', // _ in the host
  'https://idp.example.com/a b', // a blank
  'https://idp.example.com:/jwks', // an empty port
  'https://idp.example.com:70000/jwks', // a port out of range
  'https://idp.example.com/jwks#frag', // a fragment
  'ftp://idp.example.com/jwks',
];
