// One function per scenario; each stages, repairs, measures and fills its STAR report. They create
// resources only through the LabContext's names and labels (or track them), so the runner can remove them all.
#pragma once

#include "lab/lab.h"
#include "lab/lab_context.h"

namespace shipshape::lab {

ScenarioResult runStarvation(LabContext& ctx);
ScenarioResult runDataLoss(LabContext& ctx);
ScenarioResult runBadDeploy(LabContext& ctx);
ScenarioResult runDaemonCrash(LabContext& ctx);
ScenarioResult runRoot(LabContext& ctx);
ScenarioResult runRegistryAuth(LabContext& ctx);

}  // namespace shipshape::lab
