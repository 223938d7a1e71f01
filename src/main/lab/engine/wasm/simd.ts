// SIMD loops that run directly on the tfjs wasm backend's heap: a small WebAssembly module,
// written by ./asm at start-up, that imports the backend's memory. Every pointer argument is a
// byte offset into that memory.
import { setFlagsFromString } from 'node:v8';
import { i32, ModuleWriter, v128, type Code, type Local } from './asm';
import type { WasmBackend } from './heap';

export interface SimdKernels {
  /**
   * Whether the filter tiles multiply-add with relaxed SIMD (`f32x4.relaxed_madd`, one fused
   * instruction where the CPU has FMA) rather than a multiply and an add.
   */
  readonly relaxed: boolean;
  /** dst[c] = Σ_r src[r·width + c] (f32), accumulated in f64 in `scratch` (8·width bytes). */
  sumRows(src: number, dst: number, scratch: number, rows: number, width: number): void;
  /** MaxPoolGrad, NHWC, channels a multiple of 4; `dx` must be zero-filled. */
  maxPoolGrad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    height: number,
    width: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    strideHeight: number,
    strideWidth: number,
    filterHeight: number,
    filterWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  /**
   * MaxPoolGrad of 2×2 windows, stride 2, no padding, NHWC, channels a multiple of 4: writes every
   * dx the windows cover (so no zero fill is needed when H and W are even).
   */
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    height: number,
    width: number,
    channels: number,
    outHeight: number,
    outWidth: number,
  ): void;
  /**
   * dx[n, i·sh − top + a, j·sw − left + b, :] += cols[(n, i, j), (a, b, :)] for every tap inside
   * the image; channels a multiple of 4.
   */
  col2im(
    cols: number,
    dx: number,
    images: number,
    outHeight: number,
    outWidth: number,
    height: number,
    width: number,
    channels: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  /**
   * An Adam update of `bytes` (a multiple of 16) bytes of float32 weights: new weights, first and
   * second moments into w2, m2, v2; `constants` points at [β1, 1−β1, β2, 1−β2, 1−β1ᵗ, 1−β2ᵗ, ε, −lr].
   */
  adam(
    w: number,
    m: number,
    v: number,
    g: number,
    w2: number,
    m2: number,
    v2: number,
    constants: number,
    bytes: number,
  ): void;
  /**
   * The gradient of ReLU as tfjs computes it, dx = dy · step(x) with step(x) = 1 where x > 0, NaN
   * where x is NaN, 0 elsewhere (so the same numbers, NaN and ∞ included), in one pass; `bytes` is
   * a multiple of 16.
   */
  reluGrad(dy: number, x: number, dx: number, bytes: number): void;
  /**
   * dst = srcᵀ for the leading (rows − rows % 4) × (cols − cols % 4) block of a row-major
   * [rows, cols] float32 matrix, in 4×4 blocks (dst is [cols, rows]); the edges are the caller's.
   */
  transposeBlocks(src: number, dst: number, rows: number, cols: number): void;
  /**
   * Register tiles of a filter gradient, `cTiles` × `oTiles` of `cb` (1-4) input channels × `ob`
   * (4 or 8) output channels: w[k][o] += Σ over images, rows, cols of x[k]·dy[o], walking x and
   * dy with the given byte strides; `w` rows are `wRow` bytes apart, the tile (i, j) at
   * x + 4·cb·i, dy + 4·ob·j, w + cb·i·wRow + 4·ob·j.
   */
  filterTile(
    cb: number,
    ob: number,
    x: number,
    dy: number,
    w: number,
    cTiles: number,
    oTiles: number,
    images: number,
    rows: number,
    cols: number,
    xImage: number,
    xRow: number,
    xCol: number,
    dyImage: number,
    dyRow: number,
    dyCol: number,
    wRow: number,
  ): void;
  /**
   * A forward convolution, NHWC, over windows given by address: for `pixelTiles` tiles of `pb`
   * (1-4) consecutive output pixels, pixel t's window starting at the byte address table[t] (an
   * int32 array), and `oTiles` tiles of `ob` (4 or 8) output channels (filter and output advanced
   * by 4·ob bytes per tile): y[t][o] = Σ over kh rows a (`rowBytes` apart in x) and `span`
   * (kw·Ci) values q of x[table[t] + a·rowBytes + 4q]·w[(a·span + q)·coBytes + 4o]; y pixels
   * `coBytes` apart.
   */
  convTile(
    pb: number,
    ob: number,
    table: number,
    w: number,
    y: number,
    pixelTiles: number,
    oTiles: number,
    kh: number,
    rowBytes: number,
    span: number,
    coBytes: number,
  ): void;
  /**
   * Blocks of a matrix product as a sum of outer products, added into w:
   * w[m][n] += Σ_p x[p][m]·dy[p][n] over `count` values of p, x and dy rows `xStride` and
   * `dyStride` bytes apart, w rows `wRow` bytes apart; `mTiles` × `nTiles` register tiles of `cb`
   * (1-4) rows × `ob` (4 or 8) columns, the tile (i, j) at x + 4·cb·i, dy + 4·ob·j.
   */
  outerProduct(
    cb: number,
    ob: number,
    x: number,
    dy: number,
    w: number,
    mTiles: number,
    nTiles: number,
    count: number,
    xStride: number,
    dyStride: number,
    wRow: number,
  ): void;
}

function pick<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`simd module writer: no item ${i}`);
  return item;
}

function sumRows(m: ModuleWriter): void {
  m.func('sum_rows', ['src', 'dst', 'acc', 'rows', 'width'], (c, { src, dst, acc, rows, width }) => {
    const { r, k, p, a, wide } = c.locals(i32, ['r', 'k', 'p', 'a', 'wide']);
    const v = c.local(v128);
    const high = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
    c.get(width).i32(-4).and().set(wide); // the part done four lanes at a time
    c.get(src).set(p);
    c.loop(r, 0, rows, 1, () => {
      c.loop(k, 0, wide, 4, () => {
        c.get(p).v128Load().set(v);
        c.get(acc).get(k).i32(3).shl().add().set(a);
        c.get(a).get(a).v128Load().get(v).f64x2PromoteLowF32x4().f64x2Add().v128Store();
        c.get(a).get(a).v128Load(16).get(v).get(v).shuffle(high).f64x2PromoteLowF32x4().f64x2Add().v128Store(16);
        c.get(p).i32(16).add().set(p);
      });
      c.loop(k, wide, width, 1, () => {
        c.get(acc).get(k).i32(3).shl().add().set(a);
        c.get(a).get(a).f64Load().get(p).f32Load().f64PromoteF32().f64Add().f64Store();
        c.get(p).i32(4).add().set(p);
      });
    });
    c.loop(k, 0, width, 1, () => {
      c.get(dst).get(k).i32(2).shl().add();
      c.get(acc).get(k).i32(3).shl().add().f64Load().f32DemoteF64().f32Store();
    });
  });
}

const POOL_PARAMS = [
  'x',
  'dy',
  'dx',
  'batch',
  'H',
  'W',
  'C',
  'Ho',
  'Wo',
  'sh',
  'sw',
  'fh',
  'fw',
  'top',
  'left',
] as const;

function maxPoolGrad(m: ModuleWriter): void {
  m.func('max_pool_grad', POOL_PARAMS, (c, { x, dy, dx, batch, H, W, C, Ho, Wo, sh, sw, fh, fw, top, left }) => {
    const names = ['n', 'i', 'j', 'r', 'col', 'cv', 'r0', 'r1', 'c0', 'c1', 'base', 'at', 'lanes'] as const;
    const { n, i, j, r, col, cv, r0, r1, c0, c1, base, at, lanes } = c.locals(i32, names);
    const { best, found, done, v, mask } = c.locals(v128, ['best', 'found', 'done', 'v', 'mask']);
    // start = i·stride − pad; lo = max(0, start); hi = min(size, start + filter)
    const clamp = (index: Local, stride: Local, pad: Local, filter: Local, size: Local, lo: Local, hi: Local) => {
      c.get(index).get(stride).mul().get(pad).sub().set(lo);
      c.get(lo).get(filter).add().set(hi);
      c.get(hi).get(size).get(hi).get(size).ltS().select().set(hi);
      c.i32(0).get(lo).get(lo).i32(0).ltS().select().set(lo);
    };
    // x (or dx) address of (n, r, col, 4·cv): origin + ((n·H + r)·W + col)·C·4 + cv·16
    const pixel = (origin: Local) => {
      c.get(origin).get(n).get(H).mul().get(r).add().get(W).mul().get(col).add().get(C).mul().i32(2).shl().add();
      c.get(cv).i32(4).shl().add();
    };
    const window = (body: () => void) => c.loop(r, r0, r1, 1, () => c.loop(col, c0, c1, 1, body));
    c.get(C).i32(2).shrS().set(lanes);
    c.loop(n, 0, batch, 1, () => {
      c.loop(i, 0, Ho, 1, () => {
        clamp(i, sh, top, fh, H, r0, r1);
        c.loop(j, 0, Wo, 1, () => {
          clamp(j, sw, left, fw, W, c0, c1);
          c.loop(cv, 0, lanes, 1, () => {
            c.f32(Number.NEGATIVE_INFINITY).f32x4Splat().set(best);
            c.v128Zero().set(found);
            c.v128Zero().set(done);
            // first pass: the maximum, strictly greater so the first of equal values wins
            window(() => {
              pixel(x);
              c.v128Load().set(v);
              c.get(v).get(best).f32x4Gt().set(mask);
              c.get(v).get(best).get(mask).v128Bitselect().set(best);
              c.get(found).get(mask).v128Or().set(found);
            });
            // dy at (n, i, j, 4·cv)
            c.get(dy).get(n).get(Ho).mul().get(i).add().get(Wo).mul().get(j).add().get(C).mul().i32(2).shl().add();
            c.get(cv).i32(4).shl().add().v128Load().set(v);
            // second pass: dy goes to the first position equal to the maximum
            window(() => {
              pixel(x);
              c.set(base);
              c.get(base).v128Load().get(best).f32x4Eq().get(found).v128And().get(done).v128AndNot().set(mask);
              c.get(base).get(x).sub().get(dx).add().set(at);
              c.get(at).get(at).v128Load().get(v).get(mask).v128And().f32x4Add().v128Store();
              c.get(done).get(mask).v128Or().set(done);
            });
          });
        });
      });
    });
  });
}

/**
 * MaxPoolGrad for 2×2 windows with stride 2 and no padding (every pooling layer of the seed
 * models): the windows do not overlap, so each x is read once and each covered dx written once
 * (no zero fill, no read-modify-write), with the same first-maximum rule as `max_pool_grad`.
 * Rows and columns past 2·Ho, 2·Wo (odd sizes) are not written: the caller zero-fills them.
 */
function maxPoolGrad2x2(m: ModuleWriter): void {
  m.func('max_pool_grad_2x2', ['x', 'dy', 'dx', 'batch', 'H', 'W', 'C', 'Ho', 'Wo'], (c, p) => {
    const { n, i, j, cv, lanes, xp, dp, row, pix, delta, at } = c.locals(i32, [
      'n',
      'i',
      'j',
      'cv',
      'lanes',
      'xp',
      'dp',
      'row',
      'pix',
      'delta',
      'at',
    ]);
    const v = [c.local(v128), c.local(v128), c.local(v128), c.local(v128)] as const;
    const { best, found, done, mask, g } = c.locals(v128, ['best', 'found', 'done', 'mask', 'g']);
    c.get(p.C).i32(2).shrS().set(lanes);
    c.get(p.C).i32(2).shl().set(pix); // bytes per pixel
    c.get(p.W).get(pix).mul().set(row); // bytes per image row
    c.get(p.dx).get(p.x).sub().set(delta);
    c.get(p.dy).set(dp);
    // byte offset of window position k from its top-left: 0, pix, row, row + pix
    const offset = (k: number) => {
      if (k === 0) return;
      if (k === 1) c.get(pix).add();
      else if (k === 2) c.get(row).add();
      else c.get(row).add().get(pix).add();
    };
    c.loop(n, 0, p.batch, 1, () => {
      c.loop(i, 0, p.Ho, 1, () => {
        // xp = x + ((n·H + 2i)·W)·C·4
        c.get(p.x).get(n).get(p.H).mul().get(i).i32(1).shl().add().get(row).mul().add().set(xp);
        c.loop(j, 0, p.Wo, 1, () => {
          c.loop(cv, 0, lanes, 1, () => {
            c.get(xp).get(cv).i32(4).shl().add().set(at);
            c.f32(Number.NEGATIVE_INFINITY).f32x4Splat().set(best);
            c.v128Zero().set(found);
            for (let k = 0; k < 4; k++) {
              const vk = pick(v, k);
              c.get(at);
              offset(k);
              c.v128Load().set(vk);
              c.get(vk).get(best).f32x4Gt().set(mask);
              c.get(vk).get(best).get(mask).v128Bitselect().set(best);
              c.get(found).get(mask).v128Or().set(found);
            }
            c.get(dp).v128Load().set(g);
            c.get(dp).i32(16).add().set(dp);
            c.v128Zero().set(done);
            for (let k = 0; k < 4; k++) {
              const vk = pick(v, k);
              c.get(vk).get(best).f32x4Eq().get(found).v128And().get(done).v128AndNot().set(mask);
              c.get(at).get(delta).add();
              offset(k);
              c.get(g).get(mask).v128And().v128Store();
              c.get(done).get(mask).v128Or().set(done);
            }
          });
          c.get(xp).get(pix).i32(1).shl().add().set(xp);
        });
      });
    });
  });
}

const COL2IM_PARAMS = [
  'cols',
  'dx',
  'images',
  'Ho',
  'Wo',
  'H',
  'W',
  'C',
  'kh',
  'kw',
  'sh',
  'sw',
  'top',
  'left',
] as const;

/**
 * col2im, adding: for each output pixel (n, i, j) of `images` images and each filter tap (a, b)
 * that lands inside the input, dx[n, i·sh − top + a, j·sw − left + b, :] += cols[(n, i, j), (a, b, :)],
 * C (a multiple of 4) floats at a time. cols is [images·Ho·Wo, kh·kw·C]; dx is [images, H, W, C].
 */
function col2im(m: ModuleWriter): void {
  m.func('col2im', COL2IM_PARAMS, (c, p) => {
    const names = ['n', 'i', 'j', 'a', 'b', 'h', 'w', 'k', 'src', 'dst', 'tap', 'row'] as const;
    const { n, i, j, a, b, h, w, k, src, dst, tap, row } = c.locals(i32, names);
    c.get(p.C).i32(2).shl().set(tap); // bytes of one tap's channels
    c.get(p.cols).set(src);
    c.loop(n, 0, p.images, 1, () => {
      c.loop(i, 0, p.Ho, 1, () => {
        c.loop(j, 0, p.Wo, 1, () => {
          // src walks the row of cols of (n, i, j), tap by tap
          c.get(src).set(row);
          c.loop(a, 0, p.kh, 1, () => {
            c.get(i).get(p.sh).mul().get(p.top).sub().get(a).add().set(h);
            c.loop(b, 0, p.kw, 1, () => {
              c.get(j).get(p.sw).mul().get(p.left).sub().get(b).add().set(w);
              // inside: 0 ≤ h < H and 0 ≤ w < W (unsigned compares through ltS on both ends)
              c.get(h).i32(0).geS().get(h).get(p.H).ltS().and();
              c.get(w).i32(0).geS().and().get(w).get(p.W).ltS().and();
              c.ifThen(() => {
                c.get(p.dx)
                  .get(n)
                  .get(p.H)
                  .mul()
                  .get(h)
                  .add()
                  .get(p.W)
                  .mul()
                  .get(w)
                  .add()
                  .get(tap)
                  .mul()
                  .add()
                  .set(dst);
                c.loop(k, 0, tap, 16, () => {
                  c.get(dst).get(k).add();
                  c.get(dst).get(k).add().v128Load();
                  c.get(row).get(k).add().v128Load();
                  c.f32x4Add().v128Store();
                });
              });
              c.get(row).get(tap).add().set(row);
            });
          });
          c.get(src).get(p.kh).get(p.kw).mul().get(tap).mul().add().set(src);
        });
      });
    });
  });
}

/**
 * One Adam update, four weights at a time, with tfjs's own operations in tfjs's order (so the
 * result is the same float32 numbers as its `AdamOptimizer`): m' = m·β1 + g·(1−β1),
 * v' = v·β2 + g²·(1−β2), w' = (m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) · (−lr) + w. `k` points at the
 * 8 constants [β1, 1−β1, β2, 1−β2, 1−β1ᵗ, 1−β2ᵗ, ε, −lr]; `bytes` is a multiple of 16.
 */
function adam(m: ModuleWriter): void {
  m.func('adam', ['w', 'mo', 'vo', 'g', 'w2', 'm2', 'v2', 'k', 'bytes'], (c, p) => {
    const { i } = c.locals(i32, ['i']);
    const { b1, c1, b2, c2, a1, a2, eps, lr } = c.locals(v128, ['b1', 'c1', 'b2', 'c2', 'a1', 'a2', 'eps', 'lr']);
    const { gv, mv, vv } = c.locals(v128, ['gv', 'mv', 'vv']);
    [b1, c1, b2, c2, a1, a2, eps, lr].forEach((local, k) =>
      c
        .get(p.k)
        .v128Load32Splat(4 * k)
        .set(local),
    );
    c.loop(i, 0, p.bytes, 16, () => {
      c.get(p.g).get(i).add().v128Load().set(gv);
      // m' and v'
      c.get(p.mo).get(i).add().v128Load().get(b1).f32x4Mul().get(gv).get(c1).f32x4Mul().f32x4Add().set(mv);
      c.get(p.vo).get(i).add().v128Load().get(b2).f32x4Mul();
      c.get(gv).get(gv).f32x4Mul().get(c2).f32x4Mul().f32x4Add().set(vv);
      c.get(p.m2).get(i).add().get(mv).v128Store();
      c.get(p.v2).get(i).add().get(vv).v128Store();
      // w'
      c.get(p.w2).get(i).add();
      c.get(mv).get(a1).f32x4Div();
      c.get(vv).get(a2).f32x4Div().f32x4Sqrt().get(eps).f32x4Add();
      c.f32x4Div().get(lr).f32x4Mul();
      c.get(p.w).get(i).add().v128Load().f32x4Add().v128Store();
    });
  });
}

function reluGrad(m: ModuleWriter): void {
  m.func('relu_grad', ['dy', 'x', 'dx', 'bytes'], (c, p) => {
    const { i } = c.locals(i32, ['i']);
    const { one, zero, xv } = c.locals(v128, ['one', 'zero', 'xv']);
    c.f32(1).f32x4Splat().set(one);
    c.v128Zero().set(zero);
    c.loop(i, 0, p.bytes, 16, () => {
      c.get(p.dx).get(i).add();
      c.get(p.x).get(i).add().v128Load().set(xv);
      c.get(p.dy).get(i).add().v128Load();
      // step(x): 1.0 where x > 0, else 0.0, and all bits set (a NaN) where x is NaN
      c.get(one).get(xv).get(zero).f32x4Gt().v128And();
      c.get(xv).get(xv).f32x4Ne().v128Or();
      c.f32x4Mul().v128Store();
    });
  });
}

/**
 * Pushes base + Σ of the terms' products (each term: a local times constants and locals), the
 * address arithmetic of the tile kernels.
 */
function address(c: Code, base: Local, ...terms: [Local, ...(number | Local)[]][]): Code {
  c.get(base);
  for (const [first, ...factors] of terms) {
    c.get(first);
    for (const f of factors) (typeof f === 'number' ? c.i32(f) : c.get(f)).mul();
    c.add();
  }
  return c;
}

/** acc += a·b: one relaxed multiply-add (fused where the CPU has FMA), or a multiply and an add. */
function multiplyAdd(c: Code, acc: Local, a: Local, b: Local, relaxed: boolean): void {
  if (relaxed) c.get(a).get(b).get(acc).f32x4RelaxedMadd().set(acc);
  else c.get(acc).get(a).get(b).f32x4Mul().f32x4Add().set(acc);
}

/**
 * A register tile of `rows` × `ob` floats (ob a multiple of 4) for the kernels below: its
 * accumulators and the step they all share, acc[k] += x_k · (ob floats at `dp`) for every row k.
 */
function registerTile(c: Code, rows: number, ob: number, relaxed: boolean) {
  const quads = ob / 4;
  const acc = Array.from({ length: rows * quads }, () => c.local(v128));
  const d = Array.from({ length: quads }, () => c.local(v128));
  const s = c.local(v128);
  const at = (k: number, q: number) => pick(acc, k * quads + q);
  /** Each row k of the tile from or to the ob floats at the address `row(k)` pushes. */
  const rowsAt = (row: (k: number) => void, store: boolean) => {
    for (let k = 0; k < rows; k++) {
      for (let q = 0; q < quads; q++) {
        row(k);
        if (store) c.get(at(k, q)).v128Store(16 * q);
        else c.v128Load(16 * q).set(at(k, q));
      }
    }
  };
  return {
    zero: () => acc.forEach((a) => c.v128Zero().set(a)),
    load: (row: (k: number) => void) => rowsAt(row, false),
    store: (row: (k: number) => void) => rowsAt(row, true),
    /** One step: `splat(k)` pushes row k's multiplier (in all four lanes). */
    step(dp: Local, splat: (k: number) => void) {
      for (let q = 0; q < quads; q++)
        c.get(dp)
          .v128Load(16 * q)
          .set(pick(d, q));
      for (let k = 0; k < rows; k++) {
        splat(k);
        c.set(s);
        for (let q = 0; q < quads; q++) multiplyAdd(c, at(k, q), s, pick(d, q), relaxed);
      }
    },
  };
}

const OUTER_PARAMS = ['x', 'dy', 'w', 'mTiles', 'nTiles', 'count', 'xStride', 'dyStride', 'wRow'] as const;

function outerProduct(m: ModuleWriter, cb: number, ob: number, relaxed: boolean): void {
  m.func(`outer_${cb}_${ob}`, OUTER_PARAMS, (c, p) => {
    const { mt, nt, j, xp, dp, wp } = c.locals(i32, ['mt', 'nt', 'j', 'xp', 'dp', 'wp']);
    const tile = registerTile(c, cb, ob, relaxed);
    const row = (k: number) => address(c, wp, [p.wRow, k]);
    c.loop(mt, 0, p.mTiles, 1, () => {
      c.loop(nt, 0, p.nTiles, 1, () => {
        address(c, p.w, [mt, cb, p.wRow], [nt, 4 * ob]).set(wp);
        tile.load(row);
        address(c, p.x, [mt, 4 * cb]).set(xp);
        address(c, p.dy, [nt, 4 * ob]).set(dp);
        c.loop(j, 0, p.count, 1, () => {
          tile.step(dp, (k) => c.get(xp).v128Load32Splat(4 * k));
          c.get(xp).get(p.xStride).add().set(xp);
          c.get(dp).get(p.dyStride).add().set(dp);
        });
        tile.store(row);
      });
    });
  });
}

/** Byte lanes of i8x16.shuffle that pick 32-bit lanes [a, b, c, d] (0-3 first operand, 4-7 second). */
function lanes32(picks: [number, number, number, number]): number[] {
  return picks.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

function transposeBlocks(m: ModuleWriter): void {
  m.func('transpose_blocks', ['src', 'dst', 'rows', 'cols'], (c, p) => {
    const { r, k, rows4, cols4, rowBytes, colBytes, from, to } = c.locals(i32, [
      'r',
      'k',
      'rows4',
      'cols4',
      'rowBytes',
      'colBytes',
      'from',
      'to',
    ]);
    const v = Array.from({ length: 4 }, () => c.local(v128));
    const t = Array.from({ length: 4 }, () => c.local(v128));
    c.get(p.rows).i32(-4).and().set(rows4);
    c.get(p.cols).i32(-4).and().set(cols4);
    c.get(p.cols).i32(2).shl().set(rowBytes); // a source row, in bytes
    c.get(p.rows).i32(2).shl().set(colBytes); // a destination row
    c.loop(r, 0, rows4, 4, () => {
      c.loop(k, 0, cols4, 4, () => {
        c.get(p.src).get(r).get(rowBytes).mul().add().get(k).i32(2).shl().add().set(from);
        v.forEach((vi, i) => {
          c.get(from).v128Load().set(vi);
          if (i < 3) c.get(from).get(rowBytes).add().set(from);
        });
        const [a, b, cc, d] = v as [Local, Local, Local, Local];
        const [t0, t1, t2, t3] = t as [Local, Local, Local, Local];
        const pairs: [Local, Local, [number, number, number, number], Local][] = [
          [a, b, [0, 4, 1, 5], t0], // a0 b0 a1 b1
          [a, b, [2, 6, 3, 7], t1], // a2 b2 a3 b3
          [cc, d, [0, 4, 1, 5], t2], // c0 d0 c1 d1
          [cc, d, [2, 6, 3, 7], t3], // c2 d2 c3 d3
        ];
        for (const [x, y, picks, to] of pairs) c.get(x).get(y).shuffle(lanes32(picks)).set(to);
        c.get(p.dst).get(k).get(colBytes).mul().add().get(r).i32(2).shl().add().set(to);
        const out: [Local, Local][] = [
          [t0, t2],
          [t0, t2],
          [t1, t3],
          [t1, t3],
        ];
        out.forEach(([x, y], i) => {
          c.get(to)
            .get(x)
            .get(y)
            .shuffle(lanes32(i % 2 === 0 ? [0, 1, 4, 5] : [2, 3, 6, 7]))
            .v128Store();
          if (i < 3) c.get(to).get(colBytes).add().set(to);
        });
      });
    });
  });
}

const CONV_PARAMS = ['table', 'w', 'y', 'pixelTiles', 'oTiles', 'kh', 'rowBytes', 'span', 'coBytes'] as const;

function convTile(m: ModuleWriter, pb: number, ob: number, relaxed: boolean): void {
  m.func(`conv_tile_${pb}_${ob}`, CONV_PARAMS, (c, p) => {
    const { pt, ot, a, q, wp, yp, tp } = c.locals(i32, ['pt', 'ot', 'a', 'q', 'wp', 'yp', 'tp']);
    const base = Array.from({ length: pb }, () => c.local(i32));
    const row = Array.from({ length: pb }, () => c.local(i32));
    const tile = registerTile(c, pb, ob, relaxed);
    c.loop(pt, 0, p.pixelTiles, 1, () => {
      address(c, p.table, [pt, 4 * pb]).set(tp);
      base.forEach((b, t) =>
        c
          .get(tp)
          .i32Load(4 * t)
          .set(b),
      );
      c.loop(ot, 0, p.oTiles, 1, () => {
        tile.zero();
        c.loop(a, 0, p.kh, 1, () => {
          base.forEach((b, t) => address(c, b, [a, p.rowBytes]).set(pick(row, t)));
          address(c, p.w, [a, p.span, p.coBytes], [ot, 4 * ob]).set(wp);
          c.loop(q, 0, p.span, 1, () => {
            tile.step(wp, (t) => c.get(pick(row, t)).v128Load32Splat());
            row.forEach((r) => c.get(r).i32(4).add().set(r));
            c.get(wp).get(p.coBytes).add().set(wp);
          });
        });
        address(c, p.y, [pt, pb, p.coBytes], [ot, 4 * ob]).set(yp);
        tile.store((t) => address(c, yp, [p.coBytes, t]));
      });
    });
  });
}

const TILE_PARAMS = [
  'x',
  'dy',
  'w',
  'cTiles',
  'oTiles',
  'images',
  'rows',
  'cols',
  'xImage',
  'xRow',
  'xCol',
  'dyImage',
  'dyRow',
  'dyCol',
  'wRow',
] as const;

function filterTile(m: ModuleWriter, cb: number, ob: number, relaxed: boolean): void {
  m.func(`filter_tile_${cb}_${ob}`, TILE_PARAMS, (c, p) => {
    const { ct, ot, n, i, j, x0, dy0, wp, xp, dp } = c.locals(i32, [
      'ct',
      'ot',
      'n',
      'i',
      'j',
      'x0',
      'dy0',
      'wp',
      'xp',
      'dp',
    ]);
    const tile = registerTile(c, cb, ob, relaxed);
    const wRow = (k: number) => address(c, wp, [p.wRow, k]);
    c.loop(ct, 0, p.cTiles, 1, () => {
      c.loop(ot, 0, p.oTiles, 1, () => {
        address(c, p.x, [ct, 4 * cb]).set(x0);
        address(c, p.dy, [ot, 4 * ob]).set(dy0);
        address(c, p.w, [ct, cb, p.wRow], [ot, 4 * ob]).set(wp);
        tile.load(wRow);
        c.loop(n, 0, p.images, 1, () => {
          c.loop(i, 0, p.rows, 1, () => {
            address(c, x0, [n, p.xImage], [i, p.xRow]).set(xp);
            address(c, dy0, [n, p.dyImage], [i, p.dyRow]).set(dp);
            c.loop(j, 0, p.cols, 1, () => {
              tile.step(dp, (k) => c.get(xp).v128Load32Splat(4 * k));
              c.get(xp).get(p.xCol).add().set(xp);
              c.get(dp).get(p.dyCol).add().set(dp);
            });
          });
        });
        tile.store(wRow);
      });
    });
  });
}

/** `count` rows as the kernels' register tiles take them: `each(4, 0, n)` for n tiles of 4, then the rest. */
export function rowTiles(count: number, each: (rows: number, first: number, tiles: number) => void): void {
  const fours = Math.floor(count / 4);
  if (fours > 0) each(4, 0, fours);
  if (count % 4 !== 0) each(count % 4, fours * 4, 1);
}

/**
 * Output columns (a multiple of 4) as the kernels' register tiles take them: `each(8, 0, n)` for
 * n tiles of 8, then `each(4, byte offset, 1)` for a last 4 when they are not a multiple of 8.
 */
export function columnTiles(columns: number, each: (ob: 4 | 8, byteOffset: number, tiles: number) => void): void {
  const eights = Math.floor(columns / 8);
  if (eights > 0) each(8, 0, eights);
  if (columns % 8 !== 0) each(4, eights * 32, 1);
}

/**
 * The register tiles (rows × columns) the module has: 4 × 8 uses 11 of the 16 SIMD registers of
 * x86-64; larger ones (5 × 8, 6 × 8, 4 × 12, 3 × 16) measured slower, V8 then spilling; the smaller
 * ones cover the remainders.
 */
const TILE_SHAPES: [number, number][] = [1, 2, 3, 4].flatMap((cb) => [4, 8].map((ob): [number, number] => [cb, ob]));

/** The module's bytes; with `relaxed`, the filter tiles use relaxed SIMD's multiply-add. */
export function writeModule(relaxed: boolean): Uint8Array {
  const m = new ModuleWriter();
  sumRows(m);
  maxPoolGrad(m);
  maxPoolGrad2x2(m);
  col2im(m);
  adam(m);
  reluGrad(m);
  transposeBlocks(m);
  for (const [cb, ob] of TILE_SHAPES) filterTile(m, cb, ob, relaxed);
  for (const [cb, ob] of TILE_SHAPES) outerProduct(m, cb, ob, relaxed);
  for (const [pb, ob] of TILE_SHAPES) convTile(m, pb, ob, relaxed);
  return m.bytes();
}

// The WebAssembly JS API, typed here: the node tsconfig has no DOM lib, where its types live.
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: { module: object; relaxed: boolean } | undefined;
const instances = new WeakMap<object, SimdKernels | null>();

type Fn = (...args: number[]) => void;

/**
 * The SIMD kernels bound to a wasm backend's memory (made once per memory), or undefined where
 * they cannot run: the memory is not reachable, or is shared (the multi-threaded build, which
 * tfjs does not use under Node), or this JavaScript engine lacks WebAssembly SIMD. Callers then
 * take their plain paths.
 */
export function simdKernels(backend: WasmBackend): SimdKernels | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof WebAssemblyApi.Memory)) return undefined;
  const known = instances.get(memory);
  if (known !== undefined) return known ?? undefined;
  const kernels = bind(memory);
  instances.set(memory, kernels ?? null);
  return kernels;
}

/**
 * Whether this engine takes relaxed SIMD: shipped in V8 11.4 (Electron 25 on), behind
 * `--experimental-wasm-relaxed-simd` in Node 20's V8 11.3, which is set here for this process when
 * needed (a flag read when a module is compiled). `CASEBOOK_RELAXED_SIMD=0` turns it off.
 */
export function relaxedSimdAvailable(): boolean {
  if (process.env['CASEBOOK_RELAXED_SIMD'] === '0') return false;
  const probe = writeRelaxedProbe();
  if (WebAssemblyApi.validate(probe)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssemblyApi.validate(probe);
}

/** A module of one function that uses `f32x4.relaxed_madd`. */
function writeRelaxedProbe(): Uint8Array {
  const m = new ModuleWriter();
  m.func('probe', ['at'], (c, p) => {
    c.get(p.at).get(p.at).v128Load().get(p.at).v128Load().get(p.at).v128Load().f32x4RelaxedMadd().v128Store();
  });
  return m.bytes();
}

function compile(): { module: object; relaxed: boolean } {
  const relaxed = relaxedSimdAvailable();
  try {
    return { module: new WebAssemblyApi.Module(writeModule(relaxed)), relaxed };
  } catch (error) {
    if (!relaxed) throw error;
    return { module: new WebAssemblyApi.Module(writeModule(false)), relaxed: false };
  }
}

function bind(memory: object): SimdKernels | undefined {
  if (typeof SharedArrayBuffer !== 'undefined' && (memory as { buffer: unknown }).buffer instanceof SharedArrayBuffer) {
    return undefined;
  }
  try {
    compiled ??= compile();
  } catch {
    return undefined; // no WebAssembly SIMD here
  }
  const exports = new WebAssemblyApi.Instance(compiled.module, { env: { memory } }).exports as Record<string, Fn>;
  const fn = (exportName: string): Fn => {
    const f = exports[exportName];
    if (typeof f !== 'function') throw new Error(`simd module: no export ${exportName}`);
    return f;
  };
  /** The kernel of each register-tile shape, called with the shape first: `prefix_{rows}_{cols}`. */
  const byShape = (prefix: string) => {
    const shapes = new Map(TILE_SHAPES.map(([r, o]) => [`${r}_${o}`, fn(`${prefix}_${r}_${o}`)]));
    return (rows: number, cols: number, ...rest: number[]) => {
      const kernel = shapes.get(`${rows}_${cols}`);
      if (kernel === undefined) throw new Error(`simd module: no ${prefix} tile for ${rows}×${cols}`);
      kernel(...rest);
    };
  };
  const kernels: SimdKernels = {
    relaxed: compiled.relaxed,
    sumRows: fn('sum_rows'),
    maxPoolGrad: fn('max_pool_grad'),
    maxPoolGrad2x2: fn('max_pool_grad_2x2'),
    col2im: fn('col2im'),
    adam: fn('adam'),
    reluGrad: fn('relu_grad'),
    transposeBlocks: fn('transpose_blocks'),
    filterTile: byShape('filter_tile'),
    convTile: byShape('conv_tile'),
    outerProduct: byShape('outer'),
  };
  return kernels;
}
