// A minimal WebAssembly writer: enough to express a few SIMD loops over the tfjs wasm backend's
// heap (its memory is imported), without a compiler toolchain at build or run time.
//
// Functions are written as stack code through `Code`, one method per instruction; `Code.for`
// and friends add the structured loops. Only the instructions the kernels use are here.

export const i32 = 0x7f;
export const f32 = 0x7d;
export const f64 = 0x7c;
export const v128 = 0x7b;
export type ValueType = typeof i32 | typeof f32 | typeof f64 | typeof v128;

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** A local variable or parameter. */
export interface Local {
  readonly index: number;
}

/** An i32 operand: a constant or a local. */
export type Operand = number | Local;

/** The body of one function. */
export class Code {
  readonly bytes: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(readonly params: readonly ValueType[]) {}

  /** The i-th parameter. */
  param(i: number): Local {
    if (i < 0 || i >= this.params.length) throw new Error(`no parameter ${i}`);
    return { index: i };
  }

  local(type: ValueType): Local {
    this.localTypes.push(type);
    return { index: this.params.length + this.localTypes.length - 1 };
  }

  /** Several locals of one type, by name. */
  locals<const K extends string>(type: ValueType, names: readonly K[]): Record<K, Local> {
    return Object.fromEntries(names.map((n) => [n, this.local(type)])) as Record<K, Local>;
  }

  /** Locals in run-length groups, as the binary format wants them. */
  encodeLocals(out: number[]): void {
    const groups: [number, ValueType][] = [];
    for (const type of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === type) last[0]++;
      else groups.push([1, type]);
    }
    uleb(groups.length, out);
    for (const [count, type] of groups) {
      uleb(count, out);
      out.push(type);
    }
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private simd(code: number, ...rest: number[]): this {
    this.bytes.push(0xfd);
    uleb(code, this.bytes);
    this.bytes.push(...rest);
    return this;
  }

  private memarg(align: number, offset: number): number[] {
    const out = [align];
    uleb(offset, out);
    return out;
  }

  // variables and constants
  get(l: Local): this {
    this.bytes.push(0x20);
    uleb(l.index, this.bytes);
    return this;
  }
  set(l: Local): this {
    this.bytes.push(0x21);
    uleb(l.index, this.bytes);
    return this;
  }
  /** Pushes an i32 operand. */
  push(value: Operand): this {
    return typeof value === 'number' ? this.i32(value) : this.get(value);
  }
  i32(value: number): this {
    this.bytes.push(0x41);
    sleb(value, this.bytes);
    return this;
  }
  f32(value: number): this {
    const b = new Uint8Array(new Float32Array([value]).buffer);
    return this.op(0x43, ...b);
  }

  // i32 arithmetic and comparisons
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  and(): this {
    return this.op(0x71);
  }
  shl(): this {
    return this.op(0x74);
  }
  shrS(): this {
    return this.op(0x75);
  }
  /** Of operands a, b, condition: condition ? a : b. */
  select(): this {
    return this.op(0x1b);
  }
  ltS(): this {
    return this.op(0x48);
  }
  geS(): this {
    return this.op(0x4e);
  }
  eqz(): this {
    return this.op(0x45);
  }

  // scalar memory and arithmetic
  i32Load(offset = 0): this {
    return this.op(0x28, ...this.memarg(2, offset));
  }
  f32Load(offset = 0): this {
    return this.op(0x2a, ...this.memarg(2, offset));
  }
  f32Store(offset = 0): this {
    return this.op(0x38, ...this.memarg(2, offset));
  }
  f64Load(offset = 0): this {
    return this.op(0x2b, ...this.memarg(3, offset));
  }
  f64Store(offset = 0): this {
    return this.op(0x39, ...this.memarg(3, offset));
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64PromoteF32(): this {
    return this.op(0xbb);
  }
  f32DemoteF64(): this {
    return this.op(0xb6);
  }

  // SIMD
  v128Load(offset = 0): this {
    return this.simd(0x00, ...this.memarg(4, offset));
  }
  /** Loads one f32 into all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09, ...this.memarg(2, offset));
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b, ...this.memarg(4, offset));
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  /** i8x16.shuffle of the two v128 operands: lanes 0-15 pick from the first, 16-31 from the second. */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16) throw new Error('i8x16.shuffle takes 16 lane indices');
    return this.simd(0x0d, ...lanes);
  }
  /** An f32 to all four lanes. */
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4Eq(): this {
    return this.simd(0x41);
  }
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  /** a & ~b */
  v128AndNot(): this {
    return this.simd(0x4f);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** (a & mask) | (b & ~mask), operands a, b, mask */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  /** Relaxed SIMD: a·b + c, fused or not (the engine's choice). */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }

  // structured control
  /** `if (condition) body()`, the condition an i32 on the stack. */
  ifThen(body: () => void): this {
    this.op(0x04, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `for (l = from; l < to; l += step) body()`. */
  loop(l: Local, from: Operand, to: Operand, step: number, body: () => void): this {
    this.push(from).set(l);
    this.op(0x02, 0x40); // block
    this.op(0x03, 0x40); // loop
    this.get(l).push(to).geS();
    this.op(0x0d, 1); // br_if to the block's end
    body();
    this.get(l).i32(step).add().set(l);
    this.op(0x0c, 0); // br to the loop's start
    return this.op(0x0b, 0x0b); // end loop, end block
  }
}

/** A module of exported functions over one imported memory ("env"."memory"). */
export class ModuleWriter {
  private readonly functions: { name: string; code: Code }[] = [];

  /** An exported function of i32 parameters (pointers and sizes), no results. */
  func<const K extends string>(
    exportName: string,
    params: readonly K[],
    build: (c: Code, p: Record<K, Local>) => void,
  ): void {
    const code = new Code(params.map((): ValueType => i32));
    build(code, Object.fromEntries(params.map((n, i) => [n, code.param(i)])) as Record<K, Local>);
    this.functions.push({ name: exportName, code });
  }

  bytes(): Uint8Array {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]) => {
      out.push(id);
      uleb(body.length, out);
      out.push(...body);
    };
    // types: one per function (no results)
    const types: number[] = [];
    uleb(this.functions.length, types);
    for (const { code } of this.functions) {
      types.push(0x60);
      uleb(code.params.length, types);
      types.push(...code.params);
      types.push(0);
    }
    section(1, types);
    // import the memory, no maximum
    const imports: number[] = [];
    uleb(1, imports);
    name('env', imports);
    name('memory', imports);
    imports.push(0x02, 0x00, 0x00);
    section(2, imports);
    const funcs: number[] = [];
    uleb(this.functions.length, funcs);
    this.functions.forEach((_, i) => uleb(i, funcs));
    section(3, funcs);
    const exports: number[] = [];
    uleb(this.functions.length, exports);
    this.functions.forEach(({ name: exportName }, i) => {
      name(exportName, exports);
      exports.push(0x00);
      uleb(i, exports);
    });
    section(7, exports);
    const codes: number[] = [];
    uleb(this.functions.length, codes);
    for (const { code } of this.functions) {
      const body: number[] = [];
      code.encodeLocals(body);
      body.push(...code.bytes, 0x0b);
      uleb(body.length, codes);
      codes.push(...body);
    }
    section(10, codes);
    return new Uint8Array(out);
  }
}
