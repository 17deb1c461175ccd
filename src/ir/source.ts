/** Where a piece of configuration came from, for names, metadata and debugging. */
export interface IrSource {
  kind: string;
  namespace: string;
  name: string;
}
