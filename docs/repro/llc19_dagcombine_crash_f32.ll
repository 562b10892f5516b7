; llc-19 -O3 -mcpu=znver5 -relocation-model=pic -fp-contract=fast -filetype=obj THIS -o /dev/null  => SIGSEGV (SelectionDAG::Combine).
; llvm-reduce'd from the short pipeline's forward module of ConvTranspose1d(53, 106, 13, stride=3, padding=1,
; output_padding=2, dilation=2, groups=53, bias=False), float32 (test_jit_random shard f32_a), with the weight
; pack still inlined into the forward body. The same shape as llc19_dagcombine_crash.ll without the integer
; bitcasts: a 13-element row load, a 5-tap phase shuffle, a lane-0 broadcast. vector-combine alone after the
; pipeline did not remove this one; ir/lower_forward.cpp now keeps the shape from arising.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @fwd.rows2() {
  %1 = load <13 x float>, ptr null, align 4
  %2 = shufflevector <13 x float> %1, <13 x float> zeroinitializer, <5 x i32> <i32 0, i32 3, i32 6, i32 9, i32 12>
  %3 = shufflevector <5 x float> %2, <5 x float> zeroinitializer, <16 x i32> <i32 0, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison>
  %4 = shufflevector <16 x float> %3, <16 x float> zeroinitializer, <16 x i32> zeroinitializer
  br label %5

5:                                                ; preds = %5, %0
  %6 = call <16 x float> @llvm.fmuladd.v16f32(<16 x float> zeroinitializer, <16 x float> %4, <16 x float> zeroinitializer)
  br label %5
}

; Function Attrs: nocallback nofree nosync nounwind speculatable willreturn memory(none)
declare <16 x float> @llvm.fmuladd.v16f32(<16 x float>, <16 x float>, <16 x float>) #0

attributes #0 = { nocallback nofree nosync nounwind speculatable willreturn memory(none) }
