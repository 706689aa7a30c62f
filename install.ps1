# Installs codex-shim on Windows (x64), without administrator rights:
#   irm https://github.com/codex-shim/codex-shim/releases/latest/download/install.ps1 | iex
# Downloads the release zip and SHA256SUMS, refuses the zip unless its SHA-256 matches, and
# puts codex-shim.exe in %LOCALAPPDATA%\Programs\codex-shim (added to the user PATH).
#
# Settings (environment): CODEX_SHIM_VERSION (default: latest), CODEX_SHIM_INSTALL_DIR,
# CODEX_SHIM_DOWNLOAD_BASE (a mirror laid out like https://github.com/<repo>/releases).
#
# One script block: `iex` runs the script in the caller's session, so its preferences, variables
# and functions stay in here instead of changing that session.
& {
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue' # Invoke-WebRequest is much slower with the progress bar

# Thrown, never `exit`: under `irm ... | iex`, exit would close the user's PowerShell window.
# (Run as a file, an uncaught throw still ends with exit code 1.)
function Fail([string]$Message) {
  throw "codex-shim install: $Message"
}

# A small text file (VERSION, SHA256SUMS) read by way of a file: GitHub serves release assets as
# application/octet-stream, for which Invoke-WebRequest's .Content is a byte[], not the text.
function Get-Text([string]$Url, [string]$Path) {
  Invoke-WebRequest -UseBasicParsing $Url -OutFile $Path
  [System.IO.File]::ReadAllText($Path)
}

$Base = if ($env:CODEX_SHIM_DOWNLOAD_BASE) { $env:CODEX_SHIM_DOWNLOAD_BASE.TrimEnd('/') } else { 'https://github.com/codex-shim/codex-shim/releases' }
$InstallDir = if ($env:CODEX_SHIM_INSTALL_DIR) { $env:CODEX_SHIM_INSTALL_DIR } else { Join-Path $env:LOCALAPPDATA 'Programs\codex-shim' }

# A 32-bit PowerShell on 64-bit Windows sees x86 in PROCESSOR_ARCHITECTURE; the machine's is in
# PROCESSOR_ARCHITEW6432.
$Arch = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
if ($Arch -ne 'AMD64' -and $Arch -ne 'ARM64') { Fail "no codex-shim build for $Arch; build from source with bun (see the README)." }
# Windows on ARM runs the x64 build under emulation; there is no native arm64 build yet.
$Asset = 'windows-x64'

$Temp = Join-Path ([System.IO.Path]::GetTempPath()) ("codex-shim-" + [System.Guid]::NewGuid())
New-Item -ItemType Directory -Path $Temp | Out-Null
try {
  $Version = if ($env:CODEX_SHIM_VERSION) { $env:CODEX_SHIM_VERSION } else { 'latest' }
  if ($Version -eq 'latest') {
    try { $Version = (Get-Text "$Base/latest/download/VERSION" (Join-Path $Temp 'VERSION')).Trim() }
    catch { Fail "could not reach $Base to find the latest version. Check your network (or CODEX_SHIM_DOWNLOAD_BASE), or set CODEX_SHIM_VERSION." }
  }
  $Version = $Version.TrimStart('v')
  $Archive = "codex-shim-$Version-$Asset.zip"
  $Release = "$Base/download/v$Version"

  try { $Sums = Get-Text "$Release/SHA256SUMS" (Join-Path $Temp 'SHA256SUMS') }
  catch { Fail "could not download $Release/SHA256SUMS. Check your network and that version $Version exists." }
  $Line = $Sums -split "`n" | Where-Object { $_ -match "^([0-9a-fA-F]{64}) [ *]$([regex]::Escape($Archive))\s*$" } | Select-Object -First 1
  if (-not $Line) { Fail "codex-shim $Version has no build for $Asset." }
  $Expected = ($Line -split ' ')[0].ToLowerInvariant()

  Write-Host "codex-shim install: downloading codex-shim $Version for $Asset"
  $ZipPath = Join-Path $Temp $Archive
  try { Invoke-WebRequest -UseBasicParsing "$Release/$Archive" -OutFile $ZipPath }
  catch { Fail "could not download $Release/$Archive. Check your network and try again." }
  $Actual = (Get-FileHash -Algorithm SHA256 $ZipPath).Hash.ToLowerInvariant()
  if ($Actual -ne $Expected) { Fail "checksum mismatch for $Archive (expected $Expected, got $Actual): refusing to install." }

  Expand-Archive -Path $ZipPath -DestinationPath (Join-Path $Temp 'unpacked')
  $Exe = Join-Path $Temp 'unpacked\codex-shim.exe'
  if (-not (Test-Path $Exe)) { Fail "$Archive holds no codex-shim.exe." }

  New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
  # Copy beside the target, then replace it in one move.
  $Target = Join-Path $InstallDir 'codex-shim.exe'
  $Partial = Join-Path $InstallDir 'codex-shim.exe.partial'
  Copy-Item $Exe $Partial -Force
  # Windows can neither overwrite nor delete a running .exe (the start-at-login task keeps one
  # running), but it can rename it: the running one moves aside under a name of its own, and a
  # later install removes it once it has stopped.
  Get-ChildItem -Path $InstallDir -Filter 'codex-shim.exe.*.old' | Remove-Item -Force -ErrorAction SilentlyContinue
  if (Test-Path $Target) { Move-Item $Target (Join-Path $InstallDir ('codex-shim.exe.' + [System.Guid]::NewGuid().ToString('N') + '.old')) }
  Move-Item $Partial $Target -Force
} finally {
  Remove-Item -Recurse -Force $Temp -ErrorAction SilentlyContinue
}

$UserPath = [Environment]::GetEnvironmentVariable('Path', 'User')
if (-not (($UserPath -split ';') -contains $InstallDir)) {
  [Environment]::SetEnvironmentVariable('Path', (@($UserPath, $InstallDir) | Where-Object { $_ }) -join ';', 'User')
  Write-Host "codex-shim install: added $InstallDir to your user PATH; open a new terminal to use it."
}
Write-Host "codex-shim install: installed codex-shim $Version to $InstallDir\codex-shim.exe. Run: codex-shim start"
}
