//===- AsterTrainingOps.td - Ops that training steps use ----*- tablegen -*-===//
//
// Ops that reverse-mode differentiation (aster-autodiff) and the optimizer
// emit: the forms of the fused ops that save what their backward needs, the
// fused backward ops, and the adjoints of data movement. They are ordinary
// aster ops (interpreted, verified, round-tripped) but a model author does
// not write them. Included from AsterOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_DIALECT_ASTER_IR_ASTERTRAININGOPS_TD
#define ASTER_DIALECT_ASTER_IR_ASTERTRAININGOPS_TD

def Aster_SinOp : Aster_UnaryOp<"sin", "sin(x)">;
def Aster_CosOp : Aster_UnaryOp<"cos", "cos(x)">;

//===----------------------------------------------------------------------===//
// Adjoints of data movement
//===----------------------------------------------------------------------===//

def Aster_ScatterAddOp : Aster_Op<"scatter_add", [Pure]> {
  let summary = "add slices into a zero tensor at indices along one axis";
  let description = [{
    The adjoint of `aster.gather` (and of `aster.embedding` on axis 0): the
    result is zeros of its type, then
    `result[i..., indices[j...], k...] += updates[i..., j..., k...]`, so
    repeated indices accumulate. `updates` has the shape
    `result.shape[:axis] + indices.shape + result.shape[axis+1:]`. A
    negative index counts from the end; one outside `[-n, n)` is an error
    at run time.

    ```mlir
    %d = aster.scatter_add %g[%ids] axis = 0
        : tensor<2x16x64xf32>, tensor<2x16xi32> -> tensor<256x64xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$updates, Aster_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $updates `[` $indices `]` `axis` `=` $axis attr-dict
    `:` type($updates) `,` type($indices) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Aster_InsertSliceOp : Aster_Op<"insert_slice", [Pure]> {
  let summary = "place a tensor into zeros where a slice would read it";
  let description = [{
    The adjoint of `aster.slice`: a zero tensor of the result type with
    `source` written at the positions that `aster.slice` with the same
    `start`, `limit` and `step` reads from a tensor of the result type.

    ```mlir
    %d = aster.insert_slice %g [0, 1] to [2, 3] : tensor<2x2xf32> -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$source, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$limit,
                       OptionalAttr<DenseI64ArrayAttr>:$step);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $source $start `to` $limit (`step` $step^)? attr-dict
    `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused ops that save for their backward, and their backward
//===----------------------------------------------------------------------===//

def Aster_AttentionFwdOp : Aster_Op<"attention_fwd", [Pure]> {
  let summary = "attention that also returns each row's log-sum-exp";
  let description = [{
    `aster.attention` (same operands and attributes, same `result`) that
    also returns `lse[b, h, i] = log(sum_j exp(s[b, h, i, j]))` of the
    scaled, masked scores in f32: what the flash-style backward needs to
    recompute the probabilities without storing them.

    ```mlir
    %o, %lse = aster.attention_fwd %q, %k, %v causal
        : tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>
        -> tensor<2x4x16x8xf32>, tensor<2x4x16xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$query, Aster_FloatTensor:$key,
                       Aster_FloatTensor:$value,
                       Optional<Aster_FloatTensor>:$mask,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs Aster_FloatTensor:$result, Aster_F32Tensor:$lse);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`causal` $causal^)?
    (`scale` `=` $scale^)? attr-dict
    `:` type($query) `,` type($key) `,` type($value) (`,` type($mask)^)?
    `->` type($result) `,` type($lse)
  }];
  let hasVerifier = 1;
}

def Aster_AttentionBwdOp : Aster_Op<"attention_bwd", [Pure]> {
  let summary = "gradients of attention, recomputing the probabilities";
  let description = [{
    Given the forward's operands, its `result` `o`, its `lse` and the
    result's gradient `grad`, returns the gradients of query, key and value
    (types of those operands). Per row the probabilities are recomputed as
    `p = exp(s - lse)`; with `D_i = sum_p grad[i, p] * o[i, p]`,
    `dS = p * (grad v^T - D)`, `dq = scale * dS k`, `dk = scale * dS^T q`
    and `dv = p^T grad`, summed over the query heads of a group for `dk`
    and `dv`. The mask is not differentiated.

    ```mlir
    %dq, %dk, %dv = aster.attention_bwd %q, %k, %v, %o, %lse, %g causal
        : tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>,
          tensor<2x4x16x8xf32>, tensor<2x4x16xf32>, tensor<2x4x16x8xf32>
        -> tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$query, Aster_FloatTensor:$key,
                       Aster_FloatTensor:$value, Aster_FloatTensor:$out,
                       Aster_F32Tensor:$lse, Aster_FloatTensor:$grad,
                       Optional<Aster_FloatTensor>:$mask,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs Aster_FloatTensor:$grad_query,
                      Aster_FloatTensor:$grad_key,
                      Aster_FloatTensor:$grad_value);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $out `,` $lse `,` $grad (`mask` $mask^)?
    (`causal` $causal^)? (`scale` `=` $scale^)? attr-dict
    `:` type($query) `,` type($key) `,` type($value) `,` type($out) `,`
        type($lse) `,` type($grad) (`,` type($mask)^)?
    `->` type($grad_query) `,` type($grad_key) `,` type($grad_value)
  }];
  let hasVerifier = 1;
}

def Aster_LayerNormFwdOp : Aster_Op<"layer_norm_fwd", [Pure]> {
  let summary = "layer normalisation that also returns mean and 1/std";
  let description = [{
    `aster.layer_norm` that also returns, per row (the input's shape
    without its last dimension, f32), the `mean` and `rstd =
    1 / sqrt(var + epsilon)` its backward reads.

    ```mlir
    %y, %mean, %rstd = aster.layer_norm_fwd %x, %w, %b epsilon = 1.0e-05
        : tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>
        -> tensor<2x16x64xf32>, tensor<2x16xf32>, tensor<2x16xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, Aster_FloatTensor:$weight,
                       Optional<Aster_FloatTensor>:$bias,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Aster_FloatTensor:$result, Aster_F32Tensor:$mean,
                      Aster_F32Tensor:$rstd);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`epsilon` `=` $epsilon^)? attr-dict
    `:` type($input) `,` type($weight) (`,` type($bias)^)?
    `->` type($result) `,` type($mean) `,` type($rstd)
  }];
  let hasVerifier = 1;
}

def Aster_LayerNormBwdOp : Aster_Op<"layer_norm_bwd", [Pure]> {
  let summary = "gradients of layer normalisation from saved statistics";
  let description = [{
    With `xhat = (x - mean) * rstd` per row, the gradients of the input,
    the weight and the bias: `dw = sum_rows grad * xhat`,
    `db = sum_rows grad`, and with `gw = grad * weight`,
    `dx = rstd * (gw - mean_j(gw) - xhat * mean_j(gw * xhat))`.

    ```mlir
    %dx, %dw, %db = aster.layer_norm_bwd %x, %w, %mean, %rstd, %g
        : tensor<2x16x64xf32>, tensor<64xf32>, tensor<2x16xf32>,
          tensor<2x16xf32>, tensor<2x16x64xf32>
        -> tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, Aster_FloatTensor:$weight,
                       Aster_F32Tensor:$mean, Aster_F32Tensor:$rstd,
                       Aster_FloatTensor:$grad);
  let results = (outs Aster_FloatTensor:$grad_input,
                      Aster_FloatTensor:$grad_weight,
                      Aster_FloatTensor:$grad_bias);
  let assemblyFormat = [{
    $input `,` $weight `,` $mean `,` $rstd `,` $grad attr-dict
    `:` type($input) `,` type($weight) `,` type($mean) `,` type($rstd) `,`
        type($grad)
    `->` type($grad_input) `,` type($grad_weight) `,` type($grad_bias)
  }];
  let hasVerifier = 1;
}

def Aster_RmsNormFwdOp : Aster_Op<"rms_norm_fwd", [Pure]> {
  let summary = "RMS normalisation that also returns 1/rms";
  let description = [{
    `aster.rms_norm` that also returns, per row (f32),
    `rstd = 1 / sqrt(mean(x^2) + epsilon)`.

    ```mlir
    %y, %rstd = aster.rms_norm_fwd %x, %w epsilon = 1.0e-06
        : tensor<2x16x64xf32>, tensor<64xf32>
        -> tensor<2x16x64xf32>, tensor<2x16xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, Aster_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs Aster_FloatTensor:$result, Aster_F32Tensor:$rstd);
  let assemblyFormat = [{
    $input `,` $weight (`epsilon` `=` $epsilon^)? attr-dict
    `:` type($input) `,` type($weight) `->` type($result) `,` type($rstd)
  }];
  let hasVerifier = 1;
}

def Aster_RmsNormBwdOp : Aster_Op<"rms_norm_bwd", [Pure]> {
  let summary = "gradients of RMS normalisation from the saved 1/rms";
  let description = [{
    With `xhat = x * rstd`: `dw = sum_rows grad * xhat` and, with
    `gw = grad * weight`, `dx = rstd * (gw - xhat * mean_j(gw * xhat))`.

    ```mlir
    %dx, %dw = aster.rms_norm_bwd %x, %w, %rstd, %g
        : tensor<2x16x64xf32>, tensor<64xf32>, tensor<2x16xf32>,
          tensor<2x16x64xf32>
        -> tensor<2x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, Aster_FloatTensor:$weight,
                       Aster_F32Tensor:$rstd, Aster_FloatTensor:$grad);
  let results = (outs Aster_FloatTensor:$grad_input,
                      Aster_FloatTensor:$grad_weight);
  let assemblyFormat = [{
    $input `,` $weight `,` $rstd `,` $grad attr-dict
    `:` type($input) `,` type($weight) `,` type($rstd) `,` type($grad)
    `->` type($grad_input) `,` type($grad_weight)
  }];
  let hasVerifier = 1;
}

def Aster_CrossEntropyFwdOp : Aster_Op<"cross_entropy_fwd", [Pure]> {
  let summary = "cross-entropy that also returns each position's logsumexp";
  let description = [{
    `aster.cross_entropy` (same operands, attributes and `result`) that
    also returns `lse = logsumexp(logits)` per position (labels' shape,
    f32; 0 where the label is ignored).

    ```mlir
    %loss, %lse = aster.cross_entropy_fwd %logits, %labels
        : tensor<2x16x256xf32>, tensor<2x16xi32> -> tensor<f32>, tensor<2x16xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$logits, Aster_IndexTensor:$labels,
      DefaultValuedAttr<I64Attr, "-100">:$ignore_index,
      DefaultValuedAttr<Aster_LossReduction, "LossReduction::mean">:$reduction);
  let results = (outs Aster_F32Tensor:$result, Aster_F32Tensor:$lse);
  let assemblyFormat = [{
    $logits `,` $labels (`ignore_index` `=` $ignore_index^)?
    (`reduction` `=` $reduction^)? attr-dict
    `:` type($logits) `,` type($labels) `->` type($result) `,` type($lse)
  }];
  let hasVerifier = 1;
}

def Aster_CrossEntropyBwdOp : Aster_Op<"cross_entropy_bwd", [Pure]> {
  let summary = "gradient of cross-entropy with respect to the logits";
  let description = [{
    `dlogits[r, c] = w_r * (exp(logits[r, c] - lse[r]) - (c == label_r))`,
    where `w_r` is `grad` (a scalar for `mean` and `sum`, per position for
    `none`), divided by the count of positions not ignored for `mean`, and
    0 for ignored positions. Same attributes as the forward; a label
    neither ignored nor in `[0, C)` is an error at run time, as there.

    ```mlir
    %d = aster.cross_entropy_bwd %logits, %labels, %lse, %g
        : tensor<2x16x256xf32>, tensor<2x16xi32>, tensor<2x16xf32>, tensor<f32>
        -> tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$logits, Aster_IndexTensor:$labels,
      Aster_F32Tensor:$lse, Aster_F32Tensor:$grad,
      DefaultValuedAttr<I64Attr, "-100">:$ignore_index,
      DefaultValuedAttr<Aster_LossReduction, "LossReduction::mean">:$reduction);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $lse `,` $grad (`ignore_index` `=` $ignore_index^)?
    (`reduction` `=` $reduction^)? attr-dict
    `:` type($logits) `,` type($labels) `,` type($lse) `,` type($grad)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // ASTER_DIALECT_ASTER_IR_ASTERTRAININGOPS_TD
