import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { Logger } from '@nestjs/common';

/** `auto` guards when it can and warns when it cannot; `required` refuses to start without it; `off` skips it. */
export const NETWORK_GUARD_MODES = ['auto', 'required', 'off'] as const;
export type NetworkGuardMode = (typeof NETWORK_GUARD_MODES)[number];

/** What the guard needs to know about the function network (from the Engine's network inspect). */
export interface FunctionNetworkInfo {
  name: string;
  /** Host-side bridge interface, e.g. `br-0123456789ab`. */
  bridge: string;
  /** IPv4 subnets of the network, CIDR. */
  subnets: string[];
  /** The host's own addresses on the bridge (traffic to them is INPUT, not FORWARD). */
  gateways: string[];
  ipv6: boolean;
}

/** The fields of the Engine's network inspect the guard reads. */
export interface NetworkInspect {
  Name: string;
  Id: string;
  EnableIPv6?: boolean;
  Options?: Record<string, string>;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
}

/** The host bridge of a bridge network: the configured name, else Docker's `br-` + 12 hex digits of the id. */
export function functionNetworkInfo(inspect: NetworkInspect): FunctionNetworkInfo {
  const ipv4 = (s: string | undefined): s is string => !!s && isIP(s.split('/')[0]) === 4;
  const config = inspect.IPAM?.Config ?? [];
  return {
    name: inspect.Name,
    bridge: inspect.Options?.['com.docker.network.bridge.name'] ?? `br-${inspect.Id.slice(0, 12)}`,
    subnets: config.map((c) => c.Subnet).filter(ipv4),
    gateways: config.map((c) => c.Gateway).filter(ipv4),
    ipv6: inspect.EnableIPv6 === true,
  };
}

export interface IptablesResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `iptables <args>`; rejects only when the binary cannot be run at all (ENOENT, EACCES). */
export type IptablesCommand = (args: string[]) => Promise<IptablesResult>;

export interface FunctionNetworkGuardOptions {
  mode: NetworkGuardMode;
  /** OFG_API_ENDPOINT of function code: its port stays open to functions. */
  apiEndpoint?: string;
  iptables?: IptablesCommand;
  /** True when the interface exists in this process's network namespace. */
  interfaceExists?: (name: string) => boolean;
  resolve?: (host: string) => Promise<string | undefined>;
}

/** The outcome of `apply`, for logs and tests. */
export type GuardOutcome =
  | { installed: true; inputChain: string; forwardChain: string; allowedHostPorts: number[] }
  | { installed: false; reason: string };

/** A rule of one chain: `-C` tells whether it exists; `position` 'top' inserts, 'bottom' appends. */
export interface GuardRule {
  chain: string;
  spec: string[];
  position: 'top' | 'bottom';
}

export class NetworkGuardError extends Error {
  override readonly name = 'NetworkGuardError';
}

/** Where the function network's traffic may go: computed without touching the host, applied by FunctionNetworkGuard. */
export function guardRules(
  bridge: string,
  api: { port?: number; bridgeAddress?: string },
  forwardParent: string,
): { inputChain: string; forwardChain: string; rules: GuardRule[]; jumps: GuardRule[] } {
  const inputChain = `OFG-IN-${bridge}`.slice(0, 28);
  const forwardChain = `OFG-FWD-${bridge}`.slice(0, 28);
  const established = ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];
  const rules: GuardRule[] = [
    // Traffic to the host itself: answers to the invoker's own connections, and the API port only.
    { chain: inputChain, spec: [...established, '-j', 'ACCEPT'], position: 'top' },
    ...(api.port !== undefined
      ? [
          {
            chain: inputChain,
            spec: ['-p', 'tcp', '--dport', String(api.port), '-j', 'ACCEPT'],
            position: 'top' as const,
          },
        ]
      : []),
    {
      chain: inputChain,
      spec: ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      position: 'bottom',
    },
    {
      chain: inputChain,
      spec: ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      position: 'bottom',
    },
    // Traffic routed elsewhere: never to another instance on the bridge, never to link-local metadata services.
    { chain: forwardChain, spec: [...established, '-j', 'RETURN'], position: 'top' },
    ...(api.port !== undefined && api.bridgeAddress
      ? [
          {
            chain: forwardChain,
            spec: [
              '-o',
              bridge,
              '-d',
              api.bridgeAddress,
              '-p',
              'tcp',
              '--dport',
              String(api.port),
              '-j',
              'RETURN',
            ],
            position: 'top' as const,
          },
        ]
      : []),
    {
      chain: forwardChain,
      spec: ['-o', bridge, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      position: 'bottom',
    },
    {
      chain: forwardChain,
      spec: ['-d', '169.254.0.0/16', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      position: 'bottom',
    },
  ];
  const jumps: GuardRule[] = [
    { chain: 'INPUT', spec: ['-i', bridge, '-j', inputChain], position: 'top' },
    { chain: forwardParent, spec: ['-i', bridge, '-j', forwardChain], position: 'top' },
  ];
  return { inputChain, forwardChain, rules, jumps };
}

/**
 * Host firewall of the function network (iptables, filter table): function containers reach the internet and the
 * platform API port, and nothing else on the host (PostgreSQL, Redis, the invoker's and trigger's ports, a Docker TCP
 * socket) nor other instances on the bridge. Rules are keyed by the bridge, additive and idempotent, so invokers that
 * share a host and network may each apply them.
 */
export class FunctionNetworkGuard {
  private readonly logger = new Logger(FunctionNetworkGuard.name);
  private readonly iptables: IptablesCommand;
  private readonly interfaceExists: (name: string) => boolean;
  private readonly resolve: (host: string) => Promise<string | undefined>;

  constructor(private readonly options: FunctionNetworkGuardOptions) {
    this.iptables = options.iptables ?? runIptables;
    this.interfaceExists = options.interfaceExists ?? ((name) => existsSync(`/sys/class/net/${name}`));
    this.resolve = options.resolve ?? resolveIpv4;
  }

  /** Installs the rules; in `auto` mode a host where that is impossible only gets a warning. */
  async apply(network: FunctionNetworkInfo): Promise<GuardOutcome> {
    if (this.options.mode === 'off') {
      this.logger.warn({
        msg: 'function network guard is off (FUNCTION_NETWORK_GUARD=off): function containers can reach every port the host listens on through the bridge',
        network: network.name,
      });
      return { installed: false, reason: 'FUNCTION_NETWORK_GUARD=off' };
    }
    let outcome: GuardOutcome;
    try {
      outcome = await this.install(network);
    } catch (err) {
      outcome = { installed: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (outcome.installed) {
      this.logger.log({
        msg: 'function network guard installed',
        network: network.name,
        bridge: network.bridge,
        subnets: network.subnets,
        inputChain: outcome.inputChain,
        forwardChain: outcome.forwardChain,
        allowedHostPorts: outcome.allowedHostPorts,
      });
      if (network.ipv6)
        this.logger.warn({
          msg: 'the function network has IPv6 enabled; only IPv4 is guarded',
          network: network.name,
        });
      return outcome;
    }
    if (this.options.mode === 'required')
      throw new NetworkGuardError(`function network guard could not be installed: ${outcome.reason}`);
    this.logger.warn({
      msg: 'function network guard NOT installed: function containers can reach ports the host listens on through the bridge; run the invoker in the host network namespace with iptables and CAP_NET_ADMIN, or set FUNCTION_NETWORK_GUARD=off to acknowledge',
      network: network.name,
      reason: outcome.reason,
    });
    return outcome;
  }

  private async install(network: FunctionNetworkInfo): Promise<GuardOutcome> {
    if (!this.interfaceExists(network.bridge)) {
      return {
        installed: false,
        reason: `bridge ${network.bridge} of network ${network.name} is not in this network namespace (is the invoker running in a container?)`,
      };
    }
    const api = await this.apiTarget(network);
    // Without Docker's iptables management there is no DOCKER-USER chain; FORWARD is the next best place.
    const forwardParent =
      (await this.iptables(['-w', '-n', '-L', 'DOCKER-USER'])).code === 0 ? 'DOCKER-USER' : 'FORWARD';
    const plan = guardRules(network.bridge, api, forwardParent);
    for (const chain of [plan.inputChain, plan.forwardChain]) {
      const created = await this.iptables(['-w', '-N', chain]);
      if (created.code !== 0 && !/exists/i.test(created.stderr))
        throw new NetworkGuardError(`iptables -N ${chain} failed: ${created.stderr.trim()}`);
    }
    // Chains are filled before they are jumped to, so a half-applied guard never opens anything.
    for (const rule of [...plan.rules, ...plan.jumps]) await this.ensure(rule);
    return {
      installed: true,
      inputChain: plan.inputChain,
      forwardChain: plan.forwardChain,
      allowedHostPorts: await this.allowedPorts(plan.inputChain),
    };
  }

  private async ensure(rule: GuardRule): Promise<void> {
    if ((await this.iptables(['-w', '-C', rule.chain, ...rule.spec])).code === 0) return;
    const args =
      rule.position === 'top'
        ? ['-w', '-I', rule.chain, '1', ...rule.spec]
        : ['-w', '-A', rule.chain, ...rule.spec];
    const res = await this.iptables(args);
    if (res.code !== 0)
      throw new NetworkGuardError(`iptables ${args.join(' ')} failed: ${res.stderr.trim()}`);
  }

  /** Host ports open to functions, including those other invokers on this host added. */
  private async allowedPorts(inputChain: string): Promise<number[]> {
    const listed = await this.iptables(['-w', '-S', inputChain]);
    const ports = [...listed.stdout.matchAll(/--dport (\d+) -j ACCEPT/g)].map((m) => Number(m[1]));
    return [...new Set(ports)].sort((a, b) => a - b);
  }

  /** The API port, and its address when the API itself sits on the function network (a gateway container). */
  private async apiTarget(network: FunctionNetworkInfo): Promise<{ port?: number; bridgeAddress?: string }> {
    if (!this.options.apiEndpoint) return {};
    const url = new URL(this.options.apiEndpoint);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const address = isIP(host) ? host : await this.resolve(host).catch(() => undefined);
    const onBridge =
      address &&
      !network.gateways.includes(address) &&
      network.subnets.some((cidr) => inSubnet(address, cidr))
        ? address
        : undefined;
    return { port, bridgeAddress: onBridge };
  }
}

function runIptables(args: string[]): Promise<IptablesResult> {
  return new Promise((resolve, reject) => {
    execFile('iptables', args, { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (typeof code === 'string') return reject(new NetworkGuardError(`cannot run iptables: ${code}`));
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function resolveIpv4(host: string): Promise<string | undefined> {
  return (await lookup(host, { family: 4 })).address;
}

/** True when the IPv4 `address` lies in `cidr`. */
export function inSubnet(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(address) !== 4 || isIP(base) !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const toInt = (ip: string): number =>
    ip.split('.').reduce((acc, octet) => (acc << 8) + Number(octet), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(address) & mask) === (toInt(base) & mask);
}
