import {
  FunctionNetworkGuard,
  FunctionNetworkInfo,
  functionNetworkInfo,
  inSubnet,
  IptablesCommand,
  NetworkGuardError,
} from './function-network.guard';

/** An in-memory filter table that answers -L, -N, -C, -I, -A and -S the way iptables does. */
class FakeIptables {
  readonly chains = new Map<string, string[]>([
    ['INPUT', []],
    ['FORWARD', []],
  ]);
  readonly calls: string[][] = [];

  constructor(opts: { dockerUser?: boolean } = {}) {
    if (opts.dockerUser !== false) this.chains.set('DOCKER-USER', ['-j RETURN']);
  }

  readonly run: IptablesCommand = async (raw) => {
    const args = raw.filter((a) => a !== '-w');
    this.calls.push(args);
    const ok = { code: 0, stdout: '', stderr: '' };
    const fail = (stderr: string): { code: number; stdout: string; stderr: string } => ({
      code: 1,
      stdout: '',
      stderr,
    });
    const [op, ...rest] = args[0] === '-n' ? args.slice(1) : args;
    const chain = rest[0];
    const rules = this.chains.get(chain);
    switch (op) {
      case '-L':
        return rules ? ok : fail(`iptables: No chain/target/match by that name.`);
      case '-N':
        if (rules) return fail('iptables: Chain already exists.');
        this.chains.set(chain, []);
        return ok;
      case '-S':
        return rules ? { ...ok, stdout: rules.map((r) => `-A ${chain} ${r}\n`).join('') } : fail('no chain');
      case '-C':
        return rules?.includes(rest.slice(1).join(' ')) ? ok : fail('Bad rule');
      case '-I':
        if (!rules) return fail('no chain');
        rules.splice(Number(rest[1]) - 1, 0, rest.slice(2).join(' '));
        return ok;
      case '-A':
        if (!rules) return fail('no chain');
        rules.push(rest.slice(1).join(' '));
        return ok;
      default:
        return fail(`unsupported ${op}`);
    }
  };
}

const network: FunctionNetworkInfo = {
  name: 'ofg-functions',
  bridge: 'br-0123456789ab',
  subnets: ['172.19.0.0/16'],
  gateways: ['172.19.0.1'],
  ipv6: false,
};

function guardWith(
  iptables: FakeIptables,
  opts: Partial<ConstructorParameters<typeof FunctionNetworkGuard>[0]> = {},
): FunctionNetworkGuard {
  return new FunctionNetworkGuard({
    mode: 'auto',
    apiEndpoint: 'http://172.19.0.1:8080',
    iptables: iptables.run,
    interfaceExists: () => true,
    resolve: async () => undefined,
    ...opts,
  });
}

describe('FunctionNetworkGuard', () => {
  it('lets functions reach only answers and the API port on the host, and nothing on the bridge', async () => {
    const table = new FakeIptables();
    const outcome = await guardWith(table).apply(network);

    expect(outcome).toEqual({
      installed: true,
      inputChain: 'OFG-IN-br-0123456789ab',
      forwardChain: 'OFG-FWD-br-0123456789ab',
      allowedHostPorts: [8080],
    });
    expect(table.chains.get('OFG-IN-br-0123456789ab')).toEqual([
      '-p tcp --dport 8080 -j ACCEPT',
      '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-p tcp -j REJECT --reject-with tcp-reset',
      '-j REJECT --reject-with icmp-port-unreachable',
    ]);
    expect(table.chains.get('OFG-FWD-br-0123456789ab')).toEqual([
      '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      '-o br-0123456789ab -j REJECT --reject-with icmp-port-unreachable',
      '-d 169.254.0.0/16 -j REJECT --reject-with icmp-port-unreachable',
    ]);
    expect(table.chains.get('INPUT')).toEqual(['-i br-0123456789ab -j OFG-IN-br-0123456789ab']);
    expect(table.chains.get('DOCKER-USER')).toEqual([
      '-i br-0123456789ab -j OFG-FWD-br-0123456789ab',
      '-j RETURN',
    ]);
  });

  it('fills the chains before jumping to them', async () => {
    const table = new FakeIptables();
    await guardWith(table).apply(network);
    const firstJump = table.calls.findIndex((c) => c[0] === '-I' && c[1] === 'INPUT');
    const lastFill = table.calls.map((c) => c[1]).lastIndexOf('OFG-FWD-br-0123456789ab');
    expect(firstJump).toBeGreaterThan(lastFill);
  });

  it('is idempotent, and keeps the API ports other invokers on the host opened', async () => {
    const table = new FakeIptables();
    await guardWith(table).apply(network);
    const before = new Map([...table.chains].map(([k, v]) => [k, [...v]]));
    await guardWith(table).apply(network);
    expect(table.chains).toEqual(before);

    const other = await guardWith(table, { apiEndpoint: 'http://172.19.0.1:18580/' }).apply(network);
    expect(other).toMatchObject({ installed: true, allowedHostPorts: [8080, 18580] });
    expect(table.chains.get('INPUT')).toHaveLength(1);
  });

  it('opens no host port without an API endpoint, and uses the scheme default port otherwise', async () => {
    const none = new FakeIptables();
    expect(await guardWith(none, { apiEndpoint: undefined }).apply(network)).toMatchObject({
      allowedHostPorts: [],
    });
    const https = new FakeIptables();
    expect(await guardWith(https, { apiEndpoint: 'https://api.example.com' }).apply(network)).toMatchObject({
      allowedHostPorts: [443],
    });
  });

  it('lets functions reach an API container on the function network, and no other container there', async () => {
    const table = new FakeIptables();
    await guardWith(table, {
      apiEndpoint: 'http://gateway:8080',
      resolve: async (host) => (host === 'gateway' ? '172.19.0.5' : undefined),
    }).apply(network);
    expect(table.chains.get('OFG-FWD-br-0123456789ab')?.slice(0, 2)).toEqual([
      '-o br-0123456789ab -d 172.19.0.5 -p tcp --dport 8080 -j RETURN',
      '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    ]);
  });

  it('hooks FORWARD itself when Docker does not manage iptables (no DOCKER-USER chain)', async () => {
    const table = new FakeIptables({ dockerUser: false });
    await guardWith(table).apply(network);
    expect(table.chains.get('FORWARD')).toEqual(['-i br-0123456789ab -j OFG-FWD-br-0123456789ab']);
  });

  it('in auto mode only warns when the bridge is not in its network namespace (an invoker in a container)', async () => {
    const table = new FakeIptables();
    const outcome = await guardWith(table, { interfaceExists: () => false }).apply(network);
    expect(outcome).toEqual({
      installed: false,
      reason: expect.stringContaining(
        'bridge br-0123456789ab of network ofg-functions is not in this network namespace',
      ),
    });
    expect(table.calls).toEqual([]);
  });

  it('in required mode refuses to go on when iptables cannot run or fails', async () => {
    const missing: IptablesCommand = () =>
      Promise.reject(new NetworkGuardError('cannot run iptables: ENOENT'));
    await expect(
      new FunctionNetworkGuard({
        mode: 'required',
        iptables: missing,
        interfaceExists: () => true,
      }).apply(network),
    ).rejects.toThrow('function network guard could not be installed: cannot run iptables: ENOENT');

    const denied: IptablesCommand = async () => ({
      code: 4,
      stdout: '',
      stderr: 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied',
    });
    await expect(
      new FunctionNetworkGuard({ mode: 'required', iptables: denied, interfaceExists: () => true }).apply(
        network,
      ),
    ).rejects.toThrow(/Permission denied/);
    await expect(
      new FunctionNetworkGuard({ mode: 'auto', iptables: denied, interfaceExists: () => true }).apply(
        network,
      ),
    ).resolves.toMatchObject({ installed: false, reason: expect.stringMatching(/Permission denied/) });
  });

  it('touches nothing when off', async () => {
    const table = new FakeIptables();
    expect(await guardWith(table, { mode: 'off' }).apply(network)).toEqual({
      installed: false,
      reason: 'FUNCTION_NETWORK_GUARD=off',
    });
    expect(table.calls).toEqual([]);
  });
});

describe('functionNetworkInfo', () => {
  it("reads Docker's bridge name, or derives it from the network id, and keeps IPv4 subnets", () => {
    const id = 'd8197c24d15e' + 'a'.repeat(52);
    expect(
      functionNetworkInfo({
        Name: 'ofg-functions',
        Id: id,
        IPAM: {
          Config: [
            { Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' },
            { Subnet: 'fd00::/64', Gateway: 'fd00::1' },
          ],
        },
      }),
    ).toEqual({
      name: 'ofg-functions',
      bridge: 'br-d8197c24d15e',
      subnets: ['172.18.0.0/16'],
      gateways: ['172.18.0.1'],
      ipv6: false,
    });
    expect(
      functionNetworkInfo({
        Name: 'n',
        Id: id,
        EnableIPv6: true,
        Options: { 'com.docker.network.bridge.name': 'ofgfn0' },
      }),
    ).toMatchObject({ bridge: 'ofgfn0', subnets: [], ipv6: true });
  });
});

describe('inSubnet', () => {
  it.each([
    ['172.19.0.5', '172.19.0.0/16', true],
    ['172.20.0.5', '172.19.0.0/16', false],
    ['10.0.0.1', '0.0.0.0/0', true],
    ['192.168.1.1', '192.168.1.1/32', true],
    ['not-an-ip', '172.19.0.0/16', false],
  ])('%s in %s → %s', (address, cidr, expected) => {
    expect(inSubnet(address, cidr)).toBe(expected);
  });
});
