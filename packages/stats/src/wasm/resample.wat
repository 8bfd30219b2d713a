;; The cluster bootstrap's inner loop (rng.ts, Rng.sumResamples) in WebAssembly: xoshiro128** draws
;; of cluster indices, each draw's vector added to its resample's sums. The same generator, the same
;; index (floor(v·g / 2^32), here exactly in 64-bit integers) and the same additions in the same
;; order as the JavaScript loop, so the sums are bit for bit the same; about twice as fast, since
;; WebAssembly has unsigned 32-bit integers and no bounds checks on memory (V8 guards it by pages).
;;
;; Memory: the generator's state (a, b, c, d) at bytes 0-15; the caller copies the vectors (f64,
;; `width` per cluster) to $vec and reads the sums (f64, `width` per resample) from $out.
;; Assembled into resample-wasm.ts by scripts/build-resample-wasm.ts (wabt's wat2wasm).
(module
  (memory (export "memory") 1)

  ;; the generator's state, to locals; and back
  (func $state (result i32 i32 i32 i32)
    (i32.load offset=0 (i32.const 0))
    (i32.load offset=4 (i32.const 0))
    (i32.load offset=8 (i32.const 0))
    (i32.load offset=12 (i32.const 0)))

  (func $save (param $a i32) (param $b i32) (param $c i32) (param $d i32)
    (i32.store offset=0 (i32.const 0) (local.get $a))
    (i32.store offset=4 (i32.const 0) (local.get $b))
    (i32.store offset=8 (i32.const 0) (local.get $c))
    (i32.store offset=12 (i32.const 0) (local.get $d)))

  ;; width 2 (one rate: successes, trials)
  (func (export "sum2") (param $vec i32) (param $g i32) (param $count i32) (param $out i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $x i32) (local $t i32)
    (local $i i32) (local $r i32) (local $k i32) (local $s0 f64) (local $s1 f64) (local $g64 i64)
    (call $state)
    (local.set $d) (local.set $c) (local.set $b) (local.set $a)
    (local.set $g64 (i64.extend_i32_u (local.get $g)))
    (block $done
      (loop $resample
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $s0 (f64.const 0))
        (local.set $s1 (f64.const 0))
        (local.set $i (i32.const 0))
        (block $end
          (loop $draw
            (br_if $end (i32.ge_u (local.get $i) (local.get $g)))
            (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $b) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $b) (i32.const 9)))
            (local.set $c (i32.xor (local.get $c) (local.get $a)))
            (local.set $d (i32.xor (local.get $d) (local.get $b)))
            (local.set $b (i32.xor (local.get $b) (local.get $c)))
            (local.set $a (i32.xor (local.get $a) (local.get $d)))
            (local.set $c (i32.xor (local.get $c) (local.get $t)))
            (local.set $d (i32.rotl (local.get $d) (i32.const 11)))
            (local.set $k (i32.add (local.get $vec) (i32.shl
              (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $x)) (local.get $g64)) (i64.const 32)))
              (i32.const 4))))
            (local.set $s0 (f64.add (local.get $s0) (f64.load offset=0 (local.get $k))))
            (local.set $s1 (f64.add (local.get $s1) (f64.load offset=8 (local.get $k))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $draw)))
        (local.set $k (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 4))))
        (f64.store offset=0 (local.get $k) (local.get $s0))
        (f64.store offset=8 (local.get $k) (local.get $s1))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $resample)))
    (call $save (local.get $a) (local.get $b) (local.get $c) (local.get $d)))

  ;; width 4 (a difference: two groups' successes and trials)
  (func (export "sum4") (param $vec i32) (param $g i32) (param $count i32) (param $out i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $x i32) (local $t i32)
    (local $i i32) (local $r i32) (local $k i32)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $g64 i64)
    (call $state)
    (local.set $d) (local.set $c) (local.set $b) (local.set $a)
    (local.set $g64 (i64.extend_i32_u (local.get $g)))
    (block $done
      (loop $resample
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $s0 (f64.const 0))
        (local.set $s1 (f64.const 0))
        (local.set $s2 (f64.const 0))
        (local.set $s3 (f64.const 0))
        (local.set $i (i32.const 0))
        (block $end
          (loop $draw
            (br_if $end (i32.ge_u (local.get $i) (local.get $g)))
            (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $b) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $b) (i32.const 9)))
            (local.set $c (i32.xor (local.get $c) (local.get $a)))
            (local.set $d (i32.xor (local.get $d) (local.get $b)))
            (local.set $b (i32.xor (local.get $b) (local.get $c)))
            (local.set $a (i32.xor (local.get $a) (local.get $d)))
            (local.set $c (i32.xor (local.get $c) (local.get $t)))
            (local.set $d (i32.rotl (local.get $d) (i32.const 11)))
            (local.set $k (i32.add (local.get $vec) (i32.shl
              (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $x)) (local.get $g64)) (i64.const 32)))
              (i32.const 5))))
            (local.set $s0 (f64.add (local.get $s0) (f64.load offset=0 (local.get $k))))
            (local.set $s1 (f64.add (local.get $s1) (f64.load offset=8 (local.get $k))))
            (local.set $s2 (f64.add (local.get $s2) (f64.load offset=16 (local.get $k))))
            (local.set $s3 (f64.add (local.get $s3) (f64.load offset=24 (local.get $k))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $draw)))
        (local.set $k (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 5))))
        (f64.store offset=0 (local.get $k) (local.get $s0))
        (f64.store offset=8 (local.get $k) (local.get $s1))
        (f64.store offset=16 (local.get $k) (local.get $s2))
        (f64.store offset=24 (local.get $k) (local.get $s3))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $resample)))
    (call $save (local.get $a) (local.get $b) (local.get $c) (local.get $d)))

  ;; any width (a calibration error's bins, an agreement statistic's sums); $out must hold zeros
  (func (export "sumN") (param $vec i32) (param $width i32) (param $g i32) (param $count i32) (param $out i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $x i32) (local $t i32)
    (local $i i32) (local $r i32) (local $k i32) (local $w i32) (local $o i32) (local $bytes i32) (local $g64 i64)
    (call $state)
    (local.set $d) (local.set $c) (local.set $b) (local.set $a)
    (local.set $g64 (i64.extend_i32_u (local.get $g)))
    (local.set $bytes (i32.shl (local.get $width) (i32.const 3)))
    (block $done
      (loop $resample
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $i (i32.const 0))
        (block $end
          (loop $draw
            (br_if $end (i32.ge_u (local.get $i) (local.get $g)))
            (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $b) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $b) (i32.const 9)))
            (local.set $c (i32.xor (local.get $c) (local.get $a)))
            (local.set $d (i32.xor (local.get $d) (local.get $b)))
            (local.set $b (i32.xor (local.get $b) (local.get $c)))
            (local.set $a (i32.xor (local.get $a) (local.get $d)))
            (local.set $c (i32.xor (local.get $c) (local.get $t)))
            (local.set $d (i32.rotl (local.get $d) (i32.const 11)))
            (local.set $k (i32.add (local.get $vec) (i32.mul (local.get $bytes)
              (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $x)) (local.get $g64)) (i64.const 32))))))
            (local.set $w (i32.const 0))
            (block $wend
              (loop $each
                (br_if $wend (i32.ge_u (local.get $w) (local.get $bytes)))
                (f64.store (i32.add (local.get $o) (local.get $w))
                  (f64.add (f64.load (i32.add (local.get $o) (local.get $w)))
                           (f64.load (i32.add (local.get $k) (local.get $w)))))
                (local.set $w (i32.add (local.get $w) (i32.const 8)))
                (br $each)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $draw)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $resample)))
    (call $save (local.get $a) (local.get $b) (local.get $c) (local.get $d)))
)
