;; Float32 matrix products read in place from the tensor heap (heap.ts), without packing: the
;; per-task products of a meta-batch are a few thousand multiply-adds each, too small for the
;; packing of gemm.wat to pay for itself.
;;
;; Each element of C is one float32 running sum over p = 0, 1, ..., k - 1 in order, starting
;; from 0, with the product and the sum each rounded to float32 (f32x4.mul, then f32x4.add; no
;; fused multiply-add). That is the order and rounding of gemm_f32.ts, so this kernel gives the
;; same bits as the packed kernels and the JavaScript loops. Four columns of C share a vector,
;; and four rows of C run side by side, so that four independent sums hide the latency of an add.
(module
  (import "env" "memory" (memory 1 65536))

;; C[i, j] = sum_p A[i, p] B[p, j] for i < m, j < n, with C dense row-major at $c.
  ;; $a, $b, $c are byte offsets; the strides (rows, columns) of A and B are in elements.
  (func (export "smallProductF32")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
    (param $aRow i32) (param $aCol i32) (param $bRow i32) (param $bCol i32)
    (local $i i32) (local $j i32) (local $p i32) (local $pa i32) (local $pb i32)
    (local $lastRow i32) (local $lastColumn i32) (local $b4 v128) (local $s f32) (local $bCol2 i32) (local $bCol3 i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $aRow2 i32) (local $aRow3 i32) (local $out i32)
    ;; Strides in bytes from here on.
    (local.set $aRow (i32.shl (local.get $aRow) (i32.const 2)))
    (local.set $aCol (i32.shl (local.get $aCol) (i32.const 2)))
    (local.set $bRow (i32.shl (local.get $bRow) (i32.const 2)))
    (local.set $bCol (i32.shl (local.get $bCol) (i32.const 2)))
    (local.set $aRow2 (i32.shl (local.get $aRow) (i32.const 1)))
    (local.set $aRow3 (i32.add (local.get $aRow2) (local.get $aRow)))
    (local.set $bCol2 (i32.shl (local.get $bCol) (i32.const 1)))
    (local.set $bCol3 (i32.add (local.get $bCol2) (local.get $bCol)))
    (local.set $lastRow (i32.sub (local.get $m) (i32.const 4)))
    (local.set $lastColumn (i32.sub (local.get $n) (i32.const 4)))
    ;; Tiles of 4 x 4 elements of C. B's four columns are one load, or four when its columns
    ;; are strided (a transposed operand). When m or n is not a multiple of 4, the last tile
    ;; overlaps the one before it and writes some elements twice, with the same bits.
    (local.set $i (i32.const 0))
    (block $doneRowQuads (loop $rowQuads
      (br_if $doneRowQuads (i32.gt_s (local.get $i) (local.get $lastRow)))
      (local.set $j (i32.const 0))
      (block $doneTiles (loop $tiles
        (br_if $doneTiles (i32.gt_s (local.get $j) (local.get $lastColumn)))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
        (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bCol))))
        (local.set $p (i32.const 0))
        (block $doneDepth (loop $depth
          (br_if $doneDepth (i32.ge_u (local.get $p) (local.get $k)))
          (if (i32.eq (local.get $bCol) (i32.const 4))
            (then (local.set $b4 (v128.load (local.get $pb))))
            (else
              (local.set $b4 (f32x4.splat (f32.load (local.get $pb))))
              (local.set $b4 (f32x4.replace_lane 1 (local.get $b4)
                (f32.load (i32.add (local.get $pb) (local.get $bCol)))))
              (local.set $b4 (f32x4.replace_lane 2 (local.get $b4)
                (f32.load (i32.add (local.get $pb) (local.get $bCol2)))))
              (local.set $b4 (f32x4.replace_lane 3 (local.get $b4)
                (f32.load (i32.add (local.get $pb) (local.get $bCol3)))))))
          (local.set $acc0 (f32x4.add (local.get $acc0)
            (f32x4.mul (f32x4.splat (f32.load (local.get $pa))) (local.get $b4))))
          (local.set $acc1 (f32x4.add (local.get $acc1)
            (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $pa) (local.get $aRow)))) (local.get $b4))))
          (local.set $acc2 (f32x4.add (local.get $acc2)
            (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $pa) (local.get $aRow2)))) (local.get $b4))))
          (local.set $acc3 (f32x4.add (local.get $acc3)
            (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $pa) (local.get $aRow3)))) (local.get $b4))))
          (local.set $pa (i32.add (local.get $pa) (local.get $aCol)))
          (local.set $pb (i32.add (local.get $pb) (local.get $bRow)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $depth)))
        (local.set $out (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
        (v128.store (local.get $out) (local.get $acc0))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
        (v128.store (local.get $out) (local.get $acc1))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
        (v128.store (local.get $out) (local.get $acc2))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
        (v128.store (local.get $out) (local.get $acc3))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (if (i32.and (i32.gt_s (local.get $j) (local.get $lastColumn)) (i32.lt_u (local.get $j) (local.get $n)))
          (then (local.set $j (local.get $lastColumn))))
        (br $tiles)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (if (i32.and (i32.gt_s (local.get $i) (local.get $lastRow)) (i32.lt_u (local.get $i) (local.get $m)))
        (then (local.set $i (local.get $lastRow))))
      (br $rowQuads)))
    ;; Fewer than 4 rows (the loop above ran for none): one row at a time, when n >= 4.
    (block $doneRows (loop $rows
      (br_if $doneRows (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $doneQuads (loop $quads
        (br_if $doneQuads (i32.gt_s (local.get $j) (local.get $lastColumn)))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
        (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bCol))))
        (local.set $p (i32.const 0))
        (block $doneDepth (loop $depth
          (br_if $doneDepth (i32.ge_u (local.get $p) (local.get $k)))
          (if (i32.eq (local.get $bCol) (i32.const 4))
            (then (local.set $b4 (v128.load (local.get $pb))))
            (else
              (local.set $b4 (f32x4.splat (f32.load (local.get $pb))))
              (local.set $b4 (f32x4.replace_lane 1 (local.get $b4)
                (f32.load (i32.add (local.get $pb) (local.get $bCol)))))
              (local.set $b4 (f32x4.replace_lane 2 (local.get $b4)
                (f32.load (i32.add (local.get $pb) (local.get $bCol2)))))
              (local.set $b4 (f32x4.replace_lane 3 (local.get $b4)
                (f32.load (i32.add (local.get $pb) (local.get $bCol3)))))))
          (local.set $acc0 (f32x4.add (local.get $acc0)
            (f32x4.mul (f32x4.splat (f32.load (local.get $pa))) (local.get $b4))))
          (local.set $pa (i32.add (local.get $pa) (local.get $aCol)))
          (local.set $pb (i32.add (local.get $pb) (local.get $bRow)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $depth)))
        (v128.store
          (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
          (local.get $acc0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (if (i32.and (i32.gt_s (local.get $j) (local.get $lastColumn)) (i32.lt_u (local.get $j) (local.get $n)))
          (then (local.set $j (local.get $lastColumn))))
        (br $quads)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
    ;; Fewer than 4 columns (the loops above ran for none): one element at a time.
    (if (i32.ge_u (local.get $n) (i32.const 4)) (then (return)))
    (local.set $i (i32.const 0))
    (block $doneEdgeRows (loop $edgeRows
      (br_if $doneEdgeRows (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $doneSingles (loop $singles
        (br_if $doneSingles (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $s (f32.const 0))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
        (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bCol))))
        (local.set $p (i32.const 0))
        (block $doneDepth (loop $depth
          (br_if $doneDepth (i32.ge_u (local.get $p) (local.get $k)))
          (local.set $s (f32.add (local.get $s)
            (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
          (local.set $pa (i32.add (local.get $pa) (local.get $aCol)))
          (local.set $pb (i32.add (local.get $pb) (local.get $bRow)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $depth)))
        (f32.store
          (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
          (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $singles)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $edgeRows)))
  )
)
