;; The macro-kernel of the blocked matrix product, on float64 with 128-bit SIMD.
;;
;; Memory holds the packed panels that gemm.ts writes: A as row panels of 4 rows
;; (a[(panel * kc + p) * 4 + r]) and B as column panels of 4 columns
;; (b[(panel * kc + p) * 4 + col]), plus a block of C with 4 * colPanels columns per row.
;; Every 4 x 4 tile of C is one micro-kernel call: eight f64x2 running sums, each updated as
;; acc = acc + a * b for p = 0, 1, ..., kc - 1 in order. That is the order and rounding of the
;; JavaScript micro-kernel (no fused multiply-add), so both paths give the same bits.
;;
;; `macroKernelF32` is the float32 counterpart: A in row panels of 4 rows, B in column panels
;; of 8 columns (b[(panel * kc + p) * 8 + col]), and each 4 x 8 tile summed in eight f32x4
;; running sums, acc = acc + a * b in float32 for p = 0, 1, ..., kc - 1 in order. gemm_f32.ts
;; emulates the same float32 roundings with Math.fround, so its plain path gives the same bits.
;;
;; The build also emits a variant with the memory import marked shared, for a helper thread
;; that runs the same functions on other rows of the same blocks.
(module
  (import "env" "memory" (memory 1 65536))

  ;; C[tile] (+)= A[rowPanel] B[colPanel] for every tile of a (4 rowPanels) x (4 colPanels)
  ;; block. $load = 1 starts from the values in C, 0 from zero.
  (func (export "macroKernel")
    (param $a i32) (param $b i32) (param $c i32)
    (param $rowPanels i32) (param $colPanels i32) (param $kc i32) (param $load i32)
    (local $ldc i32) (local $panelBytes i32)
    (local $i i32) (local $j i32)
    (local $ap i32) (local $bp i32) (local $cp i32) (local $end i32)
    (local $av v128) (local $b01 v128) (local $b23 v128)
    (local $c00 v128) (local $c02 v128) (local $c10 v128) (local $c12 v128)
    (local $c20 v128) (local $c22 v128) (local $c30 v128) (local $c32 v128)
    ;; A row of C is 4 * colPanels float64 values; a packed panel is kc * 4 float64 values.
    (local.set $ldc (i32.shl (local.get $colPanels) (i32.const 5)))
    (local.set $panelBytes (i32.shl (local.get $kc) (i32.const 5)))
    (local.set $j (i32.const 0))
    (block $doneColumns
      (loop $columns
        (br_if $doneColumns (i32.ge_u (local.get $j) (local.get $colPanels)))
        (local.set $i (i32.const 0))
        (block $doneRows
          (loop $rows
            (br_if $doneRows (i32.ge_u (local.get $i) (local.get $rowPanels)))
            ;; cp = c + 4 * i * ldc + 32 * j
            (local.set $cp
              (i32.add (local.get $c)
                (i32.add
                  (i32.mul (i32.shl (local.get $i) (i32.const 2)) (local.get $ldc))
                  (i32.shl (local.get $j) (i32.const 5)))))
            (if (local.get $load)
              (then
                (local.set $c00 (v128.load (local.get $cp)))
                (local.set $c02 (v128.load offset=16 (local.get $cp)))
                (local.set $c10 (v128.load (i32.add (local.get $cp) (local.get $ldc))))
                (local.set $c12 (v128.load offset=16 (i32.add (local.get $cp) (local.get $ldc))))
                (local.set $c20
                  (v128.load (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1)))))
                (local.set $c22
                  (v128.load offset=16
                    (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1)))))
                (local.set $c30
                  (v128.load
                    (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3)))))
                (local.set $c32
                  (v128.load offset=16
                    (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))))))
              (else
                (local.set $c00 (v128.const f64x2 0 0))
                (local.set $c02 (v128.const f64x2 0 0))
                (local.set $c10 (v128.const f64x2 0 0))
                (local.set $c12 (v128.const f64x2 0 0))
                (local.set $c20 (v128.const f64x2 0 0))
                (local.set $c22 (v128.const f64x2 0 0))
                (local.set $c30 (v128.const f64x2 0 0))
                (local.set $c32 (v128.const f64x2 0 0))))
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $panelBytes))))
            (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $panelBytes))))
            (local.set $end (i32.add (local.get $ap) (local.get $panelBytes)))
            (block $doneDepth
              (loop $depth
                (br_if $doneDepth (i32.ge_u (local.get $ap) (local.get $end)))
                (local.set $b01 (v128.load (local.get $bp)))
                (local.set $b23 (v128.load offset=16 (local.get $bp)))
                (local.set $av (v128.load64_splat (local.get $ap)))
                (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b01))))
                (local.set $c02 (f64x2.add (local.get $c02) (f64x2.mul (local.get $av) (local.get $b23))))
                (local.set $av (v128.load64_splat offset=8 (local.get $ap)))
                (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $av) (local.get $b01))))
                (local.set $c12 (f64x2.add (local.get $c12) (f64x2.mul (local.get $av) (local.get $b23))))
                (local.set $av (v128.load64_splat offset=16 (local.get $ap)))
                (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $av) (local.get $b01))))
                (local.set $c22 (f64x2.add (local.get $c22) (f64x2.mul (local.get $av) (local.get $b23))))
                (local.set $av (v128.load64_splat offset=24 (local.get $ap)))
                (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $av) (local.get $b01))))
                (local.set $c32 (f64x2.add (local.get $c32) (f64x2.mul (local.get $av) (local.get $b23))))
                (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
                (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
                (br $depth)))
            (v128.store (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c02))
            (v128.store (i32.add (local.get $cp) (local.get $ldc)) (local.get $c10))
            (v128.store offset=16 (i32.add (local.get $cp) (local.get $ldc)) (local.get $c12))
            (v128.store
              (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $c20))
            (v128.store offset=16
              (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $c22))
            (v128.store
              (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
            (v128.store offset=16
              (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c32))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns))))

  ;; The float32 macro-kernel: C[tile] (+)= A[rowPanel] B[colPanel] for every tile of a
  ;; (4 rowPanels) x (8 colPanels) block of float32 values. $load as in macroKernel.
  (func (export "macroKernelF32")
    (param $a i32) (param $b i32) (param $c i32)
    (param $rowPanels i32) (param $colPanels i32) (param $kc i32) (param $load i32)
    (local $ldc i32) (local $aPanelBytes i32) (local $bPanelBytes i32)
    (local $i i32) (local $j i32)
    (local $ap i32) (local $bp i32) (local $cp i32) (local $end i32)
    (local $av v128) (local $b03 v128) (local $b47 v128)
    (local $c00 v128) (local $c04 v128) (local $c10 v128) (local $c14 v128)
    (local $c20 v128) (local $c24 v128) (local $c30 v128) (local $c34 v128)
    ;; A row of C is 8 * colPanels float32 values; a packed panel of A is kc * 4 float32
    ;; values and one of B kc * 8.
    (local.set $ldc (i32.shl (local.get $colPanels) (i32.const 5)))
    (local.set $aPanelBytes (i32.shl (local.get $kc) (i32.const 4)))
    (local.set $bPanelBytes (i32.shl (local.get $kc) (i32.const 5)))
    (local.set $j (i32.const 0))
    (block $doneColumns
      (loop $columns
        (br_if $doneColumns (i32.ge_u (local.get $j) (local.get $colPanels)))
        (local.set $i (i32.const 0))
        (block $doneRows
          (loop $rows
            (br_if $doneRows (i32.ge_u (local.get $i) (local.get $rowPanels)))
            ;; cp = c + 4 * i * ldc + 32 * j
            (local.set $cp
              (i32.add (local.get $c)
                (i32.add
                  (i32.mul (i32.shl (local.get $i) (i32.const 2)) (local.get $ldc))
                  (i32.shl (local.get $j) (i32.const 5)))))
            (if (local.get $load)
              (then
                (local.set $c00 (v128.load (local.get $cp)))
                (local.set $c04 (v128.load offset=16 (local.get $cp)))
                (local.set $c10 (v128.load (i32.add (local.get $cp) (local.get $ldc))))
                (local.set $c14 (v128.load offset=16 (i32.add (local.get $cp) (local.get $ldc))))
                (local.set $c20
                  (v128.load (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1)))))
                (local.set $c24
                  (v128.load offset=16
                    (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1)))))
                (local.set $c30
                  (v128.load
                    (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3)))))
                (local.set $c34
                  (v128.load offset=16
                    (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))))))
              (else
                (local.set $c00 (v128.const f32x4 0 0 0 0))
                (local.set $c04 (v128.const f32x4 0 0 0 0))
                (local.set $c10 (v128.const f32x4 0 0 0 0))
                (local.set $c14 (v128.const f32x4 0 0 0 0))
                (local.set $c20 (v128.const f32x4 0 0 0 0))
                (local.set $c24 (v128.const f32x4 0 0 0 0))
                (local.set $c30 (v128.const f32x4 0 0 0 0))
                (local.set $c34 (v128.const f32x4 0 0 0 0))))
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aPanelBytes))))
            (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bPanelBytes))))
            (local.set $end (i32.add (local.get $ap) (local.get $aPanelBytes)))
            (block $doneDepth
              (loop $depth
                (br_if $doneDepth (i32.ge_u (local.get $ap) (local.get $end)))
                (local.set $b03 (v128.load (local.get $bp)))
                (local.set $b47 (v128.load offset=16 (local.get $bp)))
                (local.set $av (v128.load32_splat (local.get $ap)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b03))))
                (local.set $c04 (f32x4.add (local.get $c04) (f32x4.mul (local.get $av) (local.get $b47))))
                (local.set $av (v128.load32_splat offset=4 (local.get $ap)))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b03))))
                (local.set $c14 (f32x4.add (local.get $c14) (f32x4.mul (local.get $av) (local.get $b47))))
                (local.set $av (v128.load32_splat offset=8 (local.get $ap)))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b03))))
                (local.set $c24 (f32x4.add (local.get $c24) (f32x4.mul (local.get $av) (local.get $b47))))
                (local.set $av (v128.load32_splat offset=12 (local.get $ap)))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b03))))
                (local.set $c34 (f32x4.add (local.get $c34) (f32x4.mul (local.get $av) (local.get $b47))))
                (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
                (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
                (br $depth)))
            (v128.store (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c04))
            (v128.store (i32.add (local.get $cp) (local.get $ldc)) (local.get $c10))
            (v128.store offset=16 (i32.add (local.get $cp) (local.get $ldc)) (local.get $c14))
            (v128.store
              (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $c20))
            (v128.store offset=16
              (i32.add (local.get $cp) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $c24))
            (v128.store
              (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
            (v128.store offset=16
              (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c34))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns))))
  ;; Packs `lines` lines of `depth` float32 values each from $src into panels of $width lines
  ;; (4 or 8) at $dst, as gemm_f32.ts's packPanels does: dst[(panel * depth + p) * width +
  ;; line % width] = element (line, p), read from $src + 4 * (line * lineStride + p *
  ;; depthStride). Missing lines of the last panel are zero. Values are copied as i32 bits.
  (func (export "packPanelsF32")
    (param $src i32) (param $dst i32) (param $lineStride i32) (param $depthStride i32)
    (param $lines i32) (param $depth i32) (param $width i32)
    (local $panel i32) (local $panels i32) (local $count i32) (local $line i32)
    (local $from i32) (local $to i32) (local $end i32) (local $lineBytes i32) (local $depthBytes i32)
    (local $toStep i32) (local $first i32)
    (local $p i32) (local $depth4 i32) (local $group i32) (local $at i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $lineBytes (i32.shl (local.get $lineStride) (i32.const 2)))
    (local.set $depthBytes (i32.shl (local.get $depthStride) (i32.const 2)))
    (local.set $toStep (i32.shl (local.get $width) (i32.const 2)))
    (local.set $panels
      (i32.div_u (i32.add (local.get $lines) (i32.sub (local.get $width) (i32.const 1)))
        (local.get $width)))
    (local.set $panel (i32.const 0))
    (block $donePanels
      (loop $panelLoop
        (br_if $donePanels (i32.ge_u (local.get $panel) (local.get $panels)))
        ;; to = dst + panel * depth * width * 4, first = src + panel * width * lineBytes
        (local.set $to
          (i32.add (local.get $dst)
            (i32.mul (i32.mul (local.get $panel) (local.get $depth)) (local.get $toStep))))
        (local.set $first
          (i32.add (local.get $src)
            (i32.mul (i32.mul (local.get $panel) (local.get $width)) (local.get $lineBytes))))
        (local.set $count
          (i32.sub (local.get $lines) (i32.mul (local.get $panel) (local.get $width))))
        (if (i32.gt_u (local.get $count) (local.get $width))
          (then (local.set $count (local.get $width))))
        (if (i32.and
              (i32.eq (local.get $count) (local.get $width))
              (i32.eq (local.get $lineStride) (i32.const 1)))
          (then
            ;; The lines of the panel are adjacent: copy 16 or 32 bytes per depth step.
            (local.set $from (local.get $first))
            (local.set $end
              (i32.add (local.get $to) (i32.mul (local.get $depth) (local.get $toStep))))
            (if (i32.eq (local.get $width) (i32.const 8))
              (then
                (block $doneWide
                  (loop $wide
                    (br_if $doneWide (i32.ge_u (local.get $to) (local.get $end)))
                    (v128.store (local.get $to) (v128.load (local.get $from)))
                    (v128.store offset=16 (local.get $to) (v128.load offset=16 (local.get $from)))
                    (local.set $from (i32.add (local.get $from) (local.get $depthBytes)))
                    (local.set $to (i32.add (local.get $to) (i32.const 32)))
                    (br $wide))))
              (else
                (block $doneNarrow
                  (loop $narrow
                    (br_if $doneNarrow (i32.ge_u (local.get $to) (local.get $end)))
                    (v128.store (local.get $to) (v128.load (local.get $from)))
                    (local.set $from (i32.add (local.get $from) (local.get $depthBytes)))
                    (local.set $to (i32.add (local.get $to) (i32.const 16)))
                    (br $narrow))))))
          (else
            (local.set $p (i32.const 0))
            (if (i32.and
                  (i32.eq (local.get $count) (local.get $width))
                  (i32.eq (local.get $depthStride) (i32.const 1)))
              (then
                ;; Each line is contiguous in depth (a transposed operand): transpose 4 lines
                ;; x 4 depth steps at a time with shuffles, for the depth steps below a
                ;; multiple of 4.
                (local.set $depth4 (i32.and (local.get $depth) (i32.const -4)))
                (block $doneSteps
                  (loop $steps
                    (br_if $doneSteps (i32.ge_u (local.get $p) (local.get $depth4)))
                    (local.set $group (i32.const 0))
                    (block $doneGroups
                      (loop $groups
                        (br_if $doneGroups (i32.ge_u (local.get $group) (local.get $width)))
                        (local.set $from
                          (i32.add (local.get $first)
                            (i32.add (i32.mul (local.get $group) (local.get $lineBytes))
                              (i32.shl (local.get $p) (i32.const 2)))))
                        ;; r0..r3: depth steps p..p+3 of lines group..group+3.
                        (local.set $r0 (v128.load (local.get $from)))
                        (local.set $r1 (v128.load (i32.add (local.get $from) (local.get $lineBytes))))
                        (local.set $r2
                          (v128.load (i32.add (local.get $from) (i32.shl (local.get $lineBytes) (i32.const 1)))))
                        (local.set $r3
                          (v128.load (i32.add (local.get $from) (i32.mul (local.get $lineBytes) (i32.const 3)))))
                        ;; t0 = (r0[0], r1[0], r0[1], r1[1]), t1 = (r0[2], r1[2], r0[3], r1[3]),
                        ;; and t2, t3 the same of r2 and r3.
                        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
                        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
                        ;; Depth step p + q of the four lines goes to to + ((p + q) * width + group) * 4.
                        (local.set $at
                          (i32.add (local.get $to)
                            (i32.shl
                              (i32.add (i32.mul (local.get $p) (local.get $width)) (local.get $group))
                              (i32.const 2))))
                        (v128.store (local.get $at)
                          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                        (v128.store (i32.add (local.get $at) (local.get $toStep))
                          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                        (v128.store (i32.add (local.get $at) (i32.shl (local.get $toStep) (i32.const 1)))
                          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                        (v128.store (i32.add (local.get $at) (i32.mul (local.get $toStep) (i32.const 3)))
                          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                        (local.set $group (i32.add (local.get $group) (i32.const 4)))
                        (br $groups)))
                    (local.set $p (i32.add (local.get $p) (i32.const 4)))
                    (br $steps)))))
            ;; The remaining depth steps [p, depth), all of them for any other panel: one line
            ;; at a time, zero past the last line.
            (local.set $line (i32.const 0))
            (block $doneLines
              (loop $lineLoop
                (br_if $doneLines (i32.ge_u (local.get $line) (local.get $width)))
                (local.set $from
                  (i32.add (local.get $first)
                    (i32.add (i32.mul (local.get $line) (local.get $lineBytes))
                      (i32.mul (local.get $p) (local.get $depthBytes)))))
                (local.set $end
                  (i32.add (local.get $to)
                    (i32.add (i32.shl (local.get $line) (i32.const 2))
                      (i32.mul (local.get $depth) (local.get $toStep)))))
                (call $packLine
                  (local.get $from)
                  (i32.add (local.get $to)
                    (i32.add (i32.shl (local.get $line) (i32.const 2))
                      (i32.mul (local.get $p) (local.get $toStep))))
                  (local.get $end) (local.get $depthBytes) (local.get $toStep)
                  (i32.lt_u (local.get $line) (local.get $count)))
                (local.set $line (i32.add (local.get $line) (i32.const 1)))
                (br $lineLoop)))))
        (local.set $panel (i32.add (local.get $panel) (i32.const 1)))
        (br $panelLoop))))

  ;; Copies one line into every `toStep` bytes of [to, end), reading every `fromStep` bytes
  ;; from `from`, or writes zeros when $present is 0.
  (func $packLine
    (param $from i32) (param $to i32) (param $end i32) (param $fromStep i32) (param $toStep i32)
    (param $present i32)
    (if (local.get $present)
      (then
        (block $done
          (loop $copy
            (br_if $done (i32.ge_u (local.get $to) (local.get $end)))
            (i32.store (local.get $to) (i32.load (local.get $from)))
            (local.set $from (i32.add (local.get $from) (local.get $fromStep)))
            (local.set $to (i32.add (local.get $to) (local.get $toStep)))
            (br $copy))))
      (else
        (block $doneZero
          (loop $zero
            (br_if $doneZero (i32.ge_u (local.get $to) (local.get $end)))
            (i32.store (local.get $to) (i32.const 0))
            (local.set $to (i32.add (local.get $to) (local.get $toStep)))
            (br $zero))))))
)