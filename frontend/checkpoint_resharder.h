// The streaming resharder: slices saved under one layout (training's, over its ranks) become the slices another
// layout gives each of its ranks. Each target box is assembled from the intersections of the source boxes, each
// byte read once from one replica, straight from the files; the largest buffer is one target slice. Nothing is
// ever whole in memory unless a target rank holds it whole.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/checkpoint_store.h"
#include "ir/strategy.h"
#include "ir/tensor_layout.h"

namespace shardc::frontend {

// How a job's ranks hold the parameters: per parameter its layout over the job's ranks (dims may be unknown: the
// slices tell them); a parameter not listed is whole on every rank.
struct CheckpointLayout {
  int64_t ranks = 1;
  std::map<std::string, ir::TensorLayout> params;
};

// A strategy file's parameter layouts as a CheckpointLayout over `ranks` (optimizer shards folded in as the
// innermost split of dim 0). Throws ir::Error naming the parameter when a layout is for another rank count.
CheckpointLayout checkpointLayoutOf(const ir::StrategyMap& strategy, int64_t ranks);

struct ReshardStats {
  uint64_t bytesRead = 0;      // content bytes read from the sources
  uint64_t bytesWritten = 0;   // content bytes handed to the writers (a slice held by several ranks counts for each)
  uint64_t largestBuffer = 0;  // the largest slice assembled in memory
  int64_t tensors = 0;
};

// Makes the writer of target rank `rank`, given every tensor it will receive in order.
using CheckpointWriterFactory =
    std::function<std::unique_ptr<CheckpointWriter>(int64_t rank, const std::vector<CheckpointTensorInfo>& tensors)>;
// Called after each parameter with the bytes read so far and the total the job will read.
using ReshardProgress = std::function<void(const std::string& param, uint64_t done, uint64_t total)>;

struct ReshardRequest {
  std::vector<CheckpointReader*> sources;  // one per source rank, in rank order
  CheckpointLayout from, to;
  // The parameters to write, in order; empty: every parameter of the sources, in the first file's order.
  std::vector<std::string> params;
  // Per parameter, the global shape the target needs (a compiled model's); a checkpoint that disagrees is an error.
  std::map<std::string, std::vector<int64_t>> expectedShapes;
  ReshardProgress progress;
};

// Validates everything first (files per rank, each slice's shape against its layout, parameters present in every
// file with one dtype), then writes every target rank's file and commits them all; on error no writer commits.
ReshardStats reshardCheckpoint(const ReshardRequest& request, const CheckpointWriterFactory& makeWriter);

}  // namespace shardc::frontend
