/**
 * User-declared law formulas in a safe expression language.
 *
 * Parsing is mathjs's (mathjs 15, number-only build: well kept, typed, its parser never hands user text to
 * `eval`/`Function`). The parsed tree is then checked against a whitelist: numbers, parameter and input names,
 * + − * / ^, parentheses, and a few elementary functions. Anything else (assignments, function definitions,
 * matrices, units, strings, access to mathjs's own functions such as `import` or `evaluate`) is refused with
 * the offending piece named. The checked tree is turned into plain closures over a Float64Array of variables
 * (no mathjs at evaluation time): a fit evaluates the formula millions of times.
 */
import { createRequire } from 'node:module';
import type { MathNode } from 'mathjs';
import type { LawMeta } from './forms.js';
import type { InputName, LossInputs, LossLaw } from './law.js';
import { INPUT_NAMES, rangeWarnings } from './law.js';

/** Short names a formula may use for inputs: N as in Chinchilla (parameters used per token), D for tokens. */
export const INPUT_ALIASES: Readonly<Record<string, InputName>> = {
  N: 'activeParams',
  D: 'trainingTokens',
};

/**
 * mathjs's parser, loaded on first use: importing mathjs takes ~0.5 s (seconds on a busy machine) and only user
 * formulas need it — not every `hwnas` command that imports the law registry.
 */
let mathjs: { parse(text: string): MathNode } | undefined;
function parse(text: string): MathNode {
  mathjs ??= createRequire(import.meta.url)('mathjs/number') as { parse(text: string): MathNode };
  return mathjs.parse(text);
}

type Compiled = (v: Float64Array) => number;

const UNARY: Readonly<Record<string, (x: number) => number>> = {
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  sqrt: Math.sqrt,
  abs: Math.abs,
};

/** A whitelisted tree → closures reading variables by slot. */
function toClosure(node: MathNode, slot: (name: string) => number): Compiled {
  const n = node as unknown as { type: string; value?: number; name?: string; fn?: string | MathNode; args?: MathNode[]; content?: MathNode };
  switch (n.type) {
    case 'ConstantNode': {
      const v = n.value as number;
      return () => v;
    }
    case 'SymbolNode': {
      const i = slot(n.name as string);
      return (vars) => vars[i];
    }
    case 'ParenthesisNode':
      return toClosure(n.content as MathNode, slot);
    case 'OperatorNode': {
      const args = (n.args as MathNode[]).map((a) => toClosure(a, slot));
      const [a, b] = args;
      switch (n.fn as string) {
        case 'add':
          return (v) => a(v) + b(v);
        case 'subtract':
          return (v) => a(v) - b(v);
        case 'multiply':
          return (v) => a(v) * b(v);
        case 'divide':
          return (v) => a(v) / b(v);
        case 'pow':
          return (v) => Math.pow(a(v), b(v));
        case 'unaryMinus':
          return (v) => -a(v);
        default:
          return a;
      }
    }
    case 'FunctionNode': {
      const name = ((n.fn as MathNode) as unknown as { name: string }).name;
      const args = (n.args as MathNode[]).map((a) => toClosure(a, slot));
      const arity = (k: number) => {
        if (args.length !== k) throw new Error(`formula: ${name} takes ${k} argument(s), got ${args.length}`);
      };
      if (name === 'pow') {
        arity(2);
        const [a, b] = args;
        return (v) => Math.pow(a(v), b(v));
      }
      if (name === 'min' || name === 'max') {
        if (args.length === 0) throw new Error(`formula: ${name} needs arguments`);
        const f = name === 'min' ? Math.min : Math.max;
        return (v) => f(...args.map((a) => a(v)));
      }
      if (name === 'log' && args.length === 2) {
        const [a, b] = args;
        return (v) => Math.log(a(v)) / Math.log(b(v));
      }
      arity(1);
      const [a] = args;
      const f = UNARY[name];
      return (v) => f(a(v));
    }
    default:
      throw new Error(`formula: '${node.toString()}' (${n.type}) is not allowed`);
  }
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

  const paramList = [...spec.params];
  const symbolEntries = Object.entries(symbols);
  // Variable slots: parameters first, then input symbols.
  const slots = [...paramList, ...symbolEntries.map(([sym]) => sym)];
  const code = toClosure(root, (name) => slots.indexOf(name));
  const vars = new Float64Array(slots.length);
  const evaluate = (theta: ArrayLike<number>, x: Partial<LossInputs>): number => {
    for (let i = 0; i < paramList.length; i++) vars[i] = theta[i];
    for (let k = 0; k < symbolEntries.length; k++) vars[paramList.length + k] = x[symbolEntries[k][1]] as number;
    return code(vars); // NaN for a negative base to a fractional power: not a loss
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
  meta: LawMeta,
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
    ...(meta.precisionPenalty ? { precisionPenalty: meta.precisionPenalty } : {}),
  };
}
