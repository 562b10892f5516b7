; llc-19 -O3 -mcpu=znver5 -relocation-model=pic -fp-contract=fast -filetype=obj THIS -o /dev/null  => SIGSEGV (SelectionDAG::Combine).
; llvm-reduce'd from the short pipeline's forward module of ConvTranspose1d(35, 35, 7, stride=5, padding=1, groups=35), float64 (test_jit_random shard f64_a).
; opt -passes='function(vector-combine,instcombine<no-verify-fixpoint>)' first (O3 runs vector-combine) removes the crash, on this file and on the full module.
; ir/lower_forward.cpp now keeps the shape from arising: the weight pack is out of line, so GVN no longer forwards it.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @fwd.rows1() {
  %1 = load <7 x double>, ptr null, align 8
  %2 = shufflevector <7 x double> %1, <7 x double> zeroinitializer, <2 x i32> <i32 0, i32 5>
  %3 = bitcast <2 x double> %2 to <2 x i64>
  %4 = shufflevector <2 x i64> %3, <2 x i64> zeroinitializer, <8 x i32> <i32 0, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison, i32 poison>
  %5 = bitcast <8 x i64> %4 to <8 x double>
  %6 = shufflevector <8 x double> %5, <8 x double> zeroinitializer, <8 x i32> zeroinitializer
  br label %7

7:                                                ; preds = %7, %0
  %8 = call <8 x double> @llvm.fmuladd.v8f64(<8 x double> zeroinitializer, <8 x double> %6, <8 x double> zeroinitializer)
  br label %7
}

; Function Attrs: nocallback nofree nosync nounwind speculatable willreturn memory(none)
declare <8 x double> @llvm.fmuladd.v8f64(<8 x double>, <8 x double>, <8 x double>) #0

attributes #0 = { nocallback nofree nosync nounwind speculatable willreturn memory(none) }
