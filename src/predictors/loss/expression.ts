/**
 * User-declared law formulas in a safe expression language.
 *
 * Parsing and evaluation are mathjs's (well kept, typed, no `eval`/`Function` on user text). On top of that the
 * parsed tree is checked against a whitelist: numbers, parameter and input names, + − * / ^, parentheses, and a
 * few elementary functions. Anything else (assignments, function definitions, matrices, units, strings, access
 * to mathjs's own functions such as `import` or `evaluate`) is refused with the offending piece named.
 */
import { createRequire } from 'node:module';
import type { MathNode } from 'mathjs';
import type { InputName, InputRange, LossInputs, LossLaw } from './law.js';
import { INPUT_NAMES, rangeWarnings } from './law.js';

/** Short names a formula may use for inputs: N as in Chinchilla (parameters used per token), D for tokens. */
export const INPUT_ALIASES: Readonly<Record<string, InputName>> = {
  N: 'activeParams',
  D: 'trainingTokens',
};

/**
 * mathjs, loaded on first use: it takes ~0.5 s (seconds on a busy machine) to import, and only user formulas
 * need it — not every `hwnas` command that imports the law registry.
 */
let mathjs: typeof import('mathjs') | undefined;
function parse(text: string): MathNode {
  mathjs ??= createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
  return mathjs.parse(text);
}

const FUNCTIONS = new Set(['exp', 'log', 'log10', 'log2', 'sqrt', 'abs', 'min', 'max', 'pow']);
const OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);

export interface ExpressionForm {
  readonly kind: 'expression';
  readonly id: string;
  readonly name: string;
  readonly formula: string;
  /** Fitted parameters, in order. */
  readonly params: readonly string[];
  /** Formula symbol → LossInputs field. */
  readonly symbols: Readonly<Record<string, InputName>>;
  readonly inputs: readonly InputName[];
  readonly startGrid: Readonly<Record<string, readonly number[]>>;
  /** Evaluate at parameter values `theta` (in `params` order) and one point. */
  evaluate(theta: ArrayLike<number>, x: Partial<LossInputs>): number;
}

/**
 * Compile a formula. `params` names the fitted parameters; every other symbol must be an input name or alias.
 * Throws an Error naming the first offending symbol, operator or function.
 */
export function compileExpressionForm(spec: {
  id: string;
  name?: string;
  formula: string;
  params: readonly string[];
  startGrid?: Readonly<Record<string, readonly number[]>>;
}): ExpressionForm {
  let root: MathNode;
  try {
    root = parse(spec.formula);
  } catch (error) {
    throw new Error(`formula: ${error instanceof Error ? error.message : String(error)}`);
  }
  const symbols: Record<string, InputName> = {};
  const params = new Set(spec.params);
  for (const p of spec.params) {
    if ((INPUT_NAMES as readonly string[]).includes(p) || p in INPUT_ALIASES) throw new Error(`parameter '${p}' has the name of an input`);
  }
  const check = (node: MathNode, parent: MathNode | null): void => {
    switch (node.type) {
      case 'ConstantNode': {
        const value = (node as unknown as { value: unknown }).value;
        if (typeof value !== 'number') throw new Error(`formula: only numbers are allowed as constants, got ${JSON.stringify(value)}`);
        break;
      }
      case 'SymbolNode': {
        const name = (node as unknown as { name: string }).name;
        const isCallee = parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node;
        if (isCallee) break;
        if (params.has(name)) break;
        if ((INPUT_NAMES as readonly string[]).includes(name)) symbols[name] = name as InputName;
        else if (name in INPUT_ALIASES) symbols[name] = INPUT_ALIASES[name];
        else throw new Error(`formula: unknown symbol '${name}' (not a parameter; inputs: ${[...INPUT_NAMES, ...Object.keys(INPUT_ALIASES)].join(', ')})`);
        break;
      }
      case 'OperatorNode': {
        const fn = (node as unknown as { fn: string }).fn;
        if (!OPERATORS.has(fn)) throw new Error(`formula: operator '${(node as unknown as { op: string }).op}' is not allowed`);
        break;
      }
      case 'FunctionNode': {
        const fnNode = (node as unknown as { fn: MathNode }).fn;
        const name = fnNode.type === 'SymbolNode' ? (fnNode as unknown as { name: string }).name : '';
        if (!FUNCTIONS.has(name)) throw new Error(`formula: function '${name || fnNode.toString()}' is not allowed (allowed: ${[...FUNCTIONS].join(', ')})`);
        break;
      }
      case 'ParenthesisNode':
        break;
      default:
        throw new Error(`formula: '${node.toString()}' (${node.type}) is not allowed`);
    }
    node.forEach((child) => check(child, node));
  };
  check(root, null);
  const unused = spec.params.filter((p) => !formulaUses(root, p));
  if (unused.length > 0) throw new Error(`formula does not use parameter(s) ${unused.join(', ')}`);

  const code = root.compile();
  const paramList = [...spec.params];
  const symbolEntries = Object.entries(symbols);
  const scope = new Map<string, number>();
  const evaluate = (theta: ArrayLike<number>, x: Partial<LossInputs>): number => {
    for (let i = 0; i < paramList.length; i++) scope.set(paramList[i], theta[i]);
    for (const [sym, input] of symbolEntries) scope.set(sym, x[input] as number);
    const v: unknown = code.evaluate(scope);
    return typeof v === 'number' ? v : NaN; // complex (negative base) or other types: not a loss
  };
  const startGrid = spec.startGrid ?? {};
  for (const name of Object.keys(startGrid)) {
    if (!params.has(name)) throw new Error(`startGrid: '${name}' is not a parameter`);
  }
  return {
    kind: 'expression',
    id: spec.id,
    name: spec.name ?? spec.id,
    formula: spec.formula,
    params: paramList,
    symbols,
    inputs: [...new Set(Object.values(symbols))],
    startGrid,
    evaluate,
  };
}

function formulaUses(root: MathNode, name: string): boolean {
  return root.filter((n) => n.type === 'SymbolNode' && (n as unknown as { name: string }).name === name).length > 0;
}

/** A law from an expression form and parameter values. */
export function expressionLaw(
  form: ExpressionForm,
  coefficients: Readonly<Record<string, number>>,
  meta: { id?: string; name?: string; source: string; fittedRange: Readonly<Partial<Record<InputName, InputRange>>> },
): LossLaw {
  const theta = form.params.map((p) => {
    const v = coefficients[p];
    if (v === undefined || !Number.isFinite(v)) throw new Error(`missing value for parameter '${p}'`);
    return v;
  });
  const id = meta.id ?? form.id;
  return {
    id,
    name: meta.name ?? form.name,
    source: meta.source,
    formula: form.formula,
    coefficients: Object.freeze({ ...coefficients }),
    inputs: form.inputs,
    fittedRange: meta.fittedRange,
    predict: (x: LossInputs) => form.evaluate(theta, x),
    outOfRange: (x: LossInputs) => rangeWarnings(id, x, meta.fittedRange),
  };
}
