import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { DomainError } from "../errors.ts";

/**
 * The one SSRF filter for every call the server makes to a URL someone else
 * chose: Web Push endpoints (`PUSH_ALLOW_HOSTS`) and integrations — outgoing
 * webhooks and custom slash commands (`WEBHOOK_ALLOW_HOSTS`). Never a
 * private, loopback, link-local or otherwise non-public address unless the
 * allow list names the host, its address, or a range (CIDR) holding it.
 * Checked twice: on the URL (`checkOutboundUrl`: when a push subscription is
 * stored, and before each call), and on every address the name resolves to
 * at connect time (`guardedLookup`, passed to `http.request`), so a name that
 * later resolves inward (DNS rebinding) is refused too. The two callers
 * differ only in scheme: push services are HTTPS (plain HTTP only for an
 * allowed host), integrations may be plain HTTP anywhere public.
 */
export interface OutboundPolicy {
  /** Lower-case host names or IP literals that may be private (and, for push, plain HTTP). */
  allowHosts: ReadonlySet<string>;
  /** Ranges listed as CIDR (`10.0.0.0/8`): an address in one may be called although private. */
  allowNets: BlockList;
  /** Plain HTTP to public hosts (integrations); otherwise HTTPS unless allowed (push). */
  plainHttp: boolean;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** An address no outgoing call may reach by default. (IPv4-mapped IPv6 is judged as its IPv4 address.) */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d, or in hex ::ffff:7f00:1) is judged as the IPv4 address it carries.
    // (Not as a subnet in the list: BlockList would then match every IPv4 address against it.)
    const mapped = mappedIpv4(address);
    if (mapped) return blocked.check(mapped, "ipv4");
    return blocked.check(address, "ipv6");
  }
  return true;
}

function mappedIpv4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return null;
  const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/**
 * A policy from an allow list (`PUSH_ALLOW_HOSTS` or `WEBHOOK_ALLOW_HOSTS`):
 * host names, IP addresses, or CIDR ranges.
 */
export function parsePolicy(allowHosts: readonly string[], opts: { plainHttp?: boolean } = {}): OutboundPolicy {
  const hosts = new Set<string>();
  const nets = new BlockList();
  for (const entry of allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean)) {
    const [net, bits] = entry.split("/");
    const family = net === undefined ? 0 : isIP(net);
    const prefix = Number(bits);
    if (bits !== undefined && net !== undefined && family !== 0 && Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128)) {
      nets.addSubnet(net, prefix, family === 4 ? "ipv4" : "ipv6");
    } else {
      hosts.add(entry.replace(/^\[|\]$/g, ""));
    }
  }
  return { allowHosts: hosts, allowNets: nets, plainHttp: opts.plainHttp ?? false };
}

/** Web Push: `PUSH_ALLOW_HOSTS`, HTTPS only unless the host is allowed. */
export const pushPolicy = (allowHosts: readonly string[]): OutboundPolicy => parsePolicy(allowHosts);
/** Outgoing webhooks and custom commands: `WEBHOOK_ALLOW_HOSTS`, HTTP or HTTPS. */
export const integrationPolicy = (allowHosts: readonly string[]): OutboundPolicy => parsePolicy(allowHosts, { plainHttp: true });

/** Whether the policy lists this address itself, or a range holding it. */
function allowsAddress(policy: OutboundPolicy, address: string): boolean {
  if (policy.allowHosts.has(address.toLowerCase())) return true;
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 6 ? mappedIpv4(address) : null;
  return v4 ? policy.allowNets.check(v4, "ipv4") : policy.allowNets.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** The URL, if the policy lets the server call it; BAD_REQUEST otherwise. */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError("BAD_REQUEST", "Not a URL");
  }
  const host = hostOf(url);
  const allowed = policy.allowHosts.has(host) || allowsAddress(policy, host);
  if (url.username || url.password) throw new DomainError("BAD_REQUEST", "The URL may not carry credentials");
  const scheme = url.protocol === "https:" || (url.protocol === "http:" && (allowed || policy.plainHttp));
  if (!scheme) throw new DomainError("BAD_REQUEST", policy.plainHttp ? "The URL must be http(s)" : "The URL must be HTTPS");
  if (!allowed && (host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isNonPublicAddress(host)))) {
    throw new DomainError("BAD_REQUEST", `The URL points at a private address: ${host} is not allowed`);
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for `http.request` that refuses non-public addresses for hosts (and addresses) the policy does not allow. */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const allowed = policy.allowHosts.has(hostname.toLowerCase());
      const bad = allowed ? undefined : list.find((a) => isNonPublicAddress(a.address) && !allowsAddress(policy, a.address));
      if (bad || list.length === 0) {
        const why = bad ? `${bad.address} is not allowed (private, loopback or link-local)` : "no address";
        const refused: NodeJS.ErrnoException = new Error(`refusing to connect to ${hostname}: ${why}`);
        refused.code = "EOUTBOUNDBLOCKED";
        return callback(refused, []);
      }
      if ("all" in options && options.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
