import { EMPTY_DIRECTORY_STATE, fileErrors, reconcileFiles } from '../../src/file/file-objects.js';
import type { ScannedFile } from '../../src/file/file-objects.js';

const gatewayYaml = (port: number): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
spec:
  gatewayClassName: portico
  listeners:
    - name: http
      protocol: HTTP
      port: ${port}
`;

const scan = (files: Record<string, ScannedFile>): Map<string, ScannedFile> => new Map(Object.entries(files));

describe('reconcileFiles', () => {
  it('emits the objects of a new file', () => {
    const { events } = reconcileFiles(EMPTY_DIRECTORY_STATE, scan({ 'd/gw.yaml': { text: gatewayYaml(8080) } }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'replace', source: 'd/gw.yaml', objects: [{ kind: 'Gateway' }] });
  });

  it('does not re-emit a file whose text did not change', () => {
    const first = reconcileFiles(EMPTY_DIRECTORY_STATE, scan({ 'd/gw.yaml': { text: gatewayYaml(8080) } }));
    const second = reconcileFiles(first.state, scan({ 'd/gw.yaml': { text: gatewayYaml(8080) } }));
    expect(second.events).toEqual([]);
    expect(second.parsed).toEqual([]);
  });

  it('keeps the last good objects of a file that no longer parses and reports where it breaks', () => {
    const good = reconcileFiles(EMPTY_DIRECTORY_STATE, scan({ 'd/gw.yaml': { text: gatewayYaml(8080) } }));
    const broken = reconcileFiles(
      good.state,
      scan({ 'd/gw.yaml': { text: `${gatewayYaml(8080)}---\napiVersion: v1\nkind: Service\nmetadata: {name: [\n` } }),
    );
    expect(broken.events).toEqual([]); // nothing removed from the pipeline
    expect(fileErrors(broken.state)).toEqual([
      expect.objectContaining({ file: 'd/gw.yaml', document: 2, line: expect.any(Number) }),
    ]);
    expect(fileErrors(broken.state)[0]!.message).toMatch(/invalid YAML/);

    const fixed = reconcileFiles(broken.state, scan({ 'd/gw.yaml': { text: gatewayYaml(9090) } }));
    expect(fileErrors(fixed.state)).toEqual([]);
    expect(fixed.events[0]).toMatchObject({ objects: [{ spec: { listeners: [{ port: 9090 }] } }] });
  });

  it('reports a semantic load error (unknown kind) with document and line', () => {
    const { state, events } = reconcileFiles(
      EMPTY_DIRECTORY_STATE,
      scan({ 'd/x.yaml': { text: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\n' } }),
    );
    expect(events).toEqual([]);
    expect(fileErrors(state)).toEqual([
      { file: 'd/x.yaml', document: 1, line: 2, message: expect.stringContaining('unknown kind "Ingress"') },
    ]);
  });

  it('removes the objects of a deleted file, and forgets a broken file that was never good', () => {
    const first = reconcileFiles(
      EMPTY_DIRECTORY_STATE,
      scan({ 'd/gw.yaml': { text: gatewayYaml(8080) }, 'd/bad.yaml': { text: 'a: [' } }),
    );
    const { state, events } = reconcileFiles(first.state, scan({}));
    expect(events).toEqual([{ type: 'replace', source: 'd/gw.yaml', objects: [] }]);
    expect(fileErrors(state)).toEqual([]);
  });

  it('keeps the objects of a file that cannot be read', () => {
    const first = reconcileFiles(EMPTY_DIRECTORY_STATE, scan({ 'd/gw.yaml': { text: gatewayYaml(8080) } }));
    const unreadable = reconcileFiles(first.state, scan({ 'd/gw.yaml': { readError: 'EACCES' } }));
    expect(unreadable.events).toEqual([]);
    expect(fileErrors(unreadable.state)).toEqual([{ file: 'd/gw.yaml', message: 'cannot read file: EACCES' }]);
    // Readable again with the same text: parsed again and the error cleared.
    const again = reconcileFiles(unreadable.state, scan({ 'd/gw.yaml': { text: gatewayYaml(8080) } }));
    expect(again.events).toHaveLength(1);
    expect(fileErrors(again.state)).toEqual([]);
  });
});
