/** GatewayClass, read: the controller that manages it, and its parameters. */
import { readParametersRef, type ParametersReference } from './parameters-ref.js';
import { readOnce } from './read-once.js';
import { fieldsOf, type ValidationResult } from './validation-result.js';

export interface ValidatedGatewayClass {
  /** Undefined when not a string: no controller's. */
  controllerName: string | undefined;
  /** `spec.parametersRef`; undefined when none. */
  parametersRef: ValidationResult<ParametersReference> | undefined;
}

export const readGatewayClass: (gc: { spec?: unknown }) => ValidatedGatewayClass = readOnce((spec) => {
  const fields = fieldsOf(spec);
  const controllerName = fields?.controllerName;
  return {
    controllerName: typeof controllerName === 'string' ? controllerName : undefined,
    parametersRef: readParametersRef(fields?.parametersRef, 'spec.parametersRef'),
  };
});
