/**
 * Plain and tagged YAML scalars, and what kubectl (v1.36.3, `kubectl create --dry-run=client -o
 * json`) sends to the API server for each: the cases where YAML 1.2, the YAML 1.1 type repository
 * and go-yaml v2 disagree. test/resources/kubectl-yaml.test.ts checks Portico reads them so;
 * test/k8s/kubectl-yaml.test.ts checks kubectl still does.
 */
export const KUBECTL_SCALARS: [string, unknown][] = [
  // YAML 1.1 booleans, in the three spellings go-yaml v2 knows; others are strings.
  ...['on', 'On', 'ON', 'yes', 'Yes', 'YES', 'y', 'Y', 'true', 'True', 'TRUE'].map((s): [string, unknown] => [s, true]),
  ...['off', 'Off', 'OFF', 'no', 'No', 'NO', 'n', 'N', 'false', 'False', 'FALSE'].map((s): [string, unknown] => [
    s,
    false,
  ]),
  ['oN', 'oN'],
  ['yEs', 'yEs'],
  ['tRUE', 'tRUE'],
  ...['~', 'null', 'Null', 'NULL', ''].map((s): [string, unknown] => [s, null]),
  ['nUll', 'nUll'],
  // Integers as Go's strconv reads them, underscores dropped first.
  ['0755', 493],
  ['-0755', -493],
  ['08', 8],
  ['0o17', 15],
  ['0O17', 15],
  ['-0o17', -15],
  ['0x1F', 31],
  ['0X1F', 31],
  ['-0x1F', -31],
  ['+0x10', 16],
  ['0b101', 5],
  ['0B101', 5],
  ['-0b101', -5],
  ['+0b11', 3],
  ['1_000', 1000],
  ['1__0', 10],
  ['0_7', 7],
  ['2_', 2],
  ['-_1', -1],
  ['0_x1F', 31],
  ['0b', '0b'],
  ['0x', '0x'],
  ['0xG', '0xG'],
  ['_2', '_2'],
  ['0xFFFFFFFFFFFFFFFFFF', '0xFFFFFFFFFFFFFFFFFF'],
  ['99999999999999999999999', 1e23],
  ['+12', 12],
  ['-12', -12],
  // Floats.
  ['1.5', 1.5],
  ['1.', 1],
  ['.5', 0.5],
  ['+.5', 0.5],
  ['1e3', 1000],
  ['1E3', 1000],
  ['1.0e+3', 1000],
  ['0.1_5', 0.15],
  ['1.5_', 1.5],
  // Not numbers in go-yaml v2, though YAML 1.1 says they are (sexagesimal) or the `yaml` package does.
  ['1:30', '1:30'],
  ['1:30.5', '1:30.5'],
  ['.', '.'],
  ['+', '+'],
  ['=', '='],
  // Timestamps stay as written.
  ['2001-12-14', '2001-12-14'],
  ['2001-12-14t21:59:43.10-05:00', '2001-12-14t21:59:43.10-05:00'],
  // Explicit tags.
  ['!!str 12', '12'],
  ['!!int "12"', 12],
  ['!!binary aGVsbG8=', 'hello'],
];
