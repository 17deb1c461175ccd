import { parseServeArgs } from '../../src/cli/serve-command.js';

describe('portico serve --provider kubernetes (options)', () => {
  it('takes the kubeconfig and the Lease, and launches no local Envoy', () => {
    expect(
      parseServeArgs([
        '--provider',
        'kubernetes',
        '--kubeconfig',
        '/tmp/kubeconfig',
        '--leader-election-namespace',
        'portico-system',
        '--lease-name',
        'portico',
      ]),
    ).toMatchObject({
      kubernetes: { kubeconfig: '/tmp/kubeconfig', leaseNamespace: 'portico-system', leaseName: 'portico' },
      launchEnvoy: false,
    });
    expect(parseServeArgs(['--provider', 'kubernetes'])).toMatchObject({ kubernetes: {} });
  });

  it('rejects options of the other provider', () => {
    expect(parseServeArgs(['--provider', 'kubernetes', '--watch', 'dir'])).toMatch(/--watch/);
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--kubeconfig', 'k'])).toMatch(
      /--kubeconfig applies to --provider kubernetes only/,
    );
    expect(parseServeArgs(['--provider', 'nomad'])).toMatch(/"file" or "kubernetes"/);
    expect(parseServeArgs(['--provider', 'kubernetes', '--state-dir', 's'])).toMatch(
      /--state-dir applies to --provider file only/,
    );
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--state-dir', 's'])).toMatchObject({
      stateDir: 's',
    });
  });
});
