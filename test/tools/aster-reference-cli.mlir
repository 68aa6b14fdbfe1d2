// RUN: aster-reference %s --seed 3 | FileCheck %s --check-prefix=SUMMARY
// RUN: aster-reference %s --entry=scaled --print-values | FileCheck %s --check-prefix=VALUES
// RUN: rm -rf %t && aster-reference %s -o %t/out --dump-inputs %t/in && ls %t/out %t/in | FileCheck %s --check-prefix=FILES
// RUN: aster-reference %s -i x=%t/in/arg0.npy -i 1=%t/in/arg1.npy -o %t/again
// RUN: cmp %t/out/result0.npy %t/again/result0.npy
// RUN: not aster-reference %s --entry=missing 2>&1 | FileCheck %s --check-prefix=NO-ENTRY
// RUN: not aster-reference %s -i nothere=%t/in/arg0.npy 2>&1 | FileCheck %s --check-prefix=NO-ARG
// RUN: not aster-reference %s -i x=%t/in/arg0.npy -i 0=%t/in/arg0.npy 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not aster-reference %s -i x 2>&1 | FileCheck %s --check-prefix=SPEC
// RUN: not aster-reference %t/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=NO-FILE

// SUMMARY: @forward: 2 arguments (0 from files, 2 generated with seed 3), 1 results
// SUMMARY-NEXT: result 0: tensor<2x3xf32>  mean {{.*}}  std {{.*}}  min {{.*}}  max {{.*}}
// SUMMARY-NEXT: [{{.*}}]

// 2 * 1.5 + 0.25 = 3.25, exactly, in every element.
// VALUES: @scaled: 0 arguments
// VALUES: result 0: tensor<3xf32>  mean 3.25  std 0  min 3.25  max 3.25
// VALUES-NEXT: [3.25, 3.25, 3.25]

// FILES: arg0.npy
// FILES-NEXT: arg1.npy
// FILES: result0.npy

// NO-ENTRY: aster-reference: error: {{.*}}: no function @missing
// NO-ARG: aster-reference: error: -i nothere={{.*}}: @forward has no argument named 'nothere'
// TWICE: aster-reference: error: -i 0={{.*}}: argument 0 'x' is given twice
// SPEC: aster-reference: error: -i x: expected NAME=file.npy
// NO-FILE: aster-reference: error: {{.*}}does-not-exist.mlir: {{.*}}

func.func @forward(%x: tensor<2x3xf32> {aster.name = "x", aster.init = #aster.init<uniform, low = -1.0, high = 1.0>},
                   %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = aster.mul %x, %y : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

func.func @scaled() -> tensor<3xf32> {
  %two = aster.constant dense<2.0> : tensor<3xf32>
  %a = aster.constant dense<1.5> : tensor<f32>
  %b = aster.constant dense<0.25> : tensor<3xf32>
  %0 = aster.mul %two, %a : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
  %1 = aster.add %0, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %1 : tensor<3xf32>
}
