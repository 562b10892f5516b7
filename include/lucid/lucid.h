// Everything a program training ConvTranspose1d layers needs, in one include.
#pragma once

#include "lucid/conv_spec.h"
#include "lucid/conv_transpose1d.h"
#include "lucid/error.h"
#include "lucid/generator.h"
#include "lucid/grad_mode.h"
#include "lucid/jit_engine.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/nn/module.h"
#include "lucid/nn/relu.h"
#include "lucid/nn/sequential.h"
#include "lucid/node.h"
#include "lucid/ops.h"
#include "lucid/optim/adam.h"
#include "lucid/optim/sgd.h"
#include "lucid/tensor.h"
#include "lucid/thread_pool.h"
