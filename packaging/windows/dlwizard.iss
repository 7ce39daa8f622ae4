; Inno Setup script for the Windows installer of dlwizard (Inno Setup 6).
;
; Build the app first (from the repository root):
;   pyinstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\dlwizard.spec
;   dist\dlwizard\dlwizard.exe --self-test --out dist\selftest.json
; then the installer:
;   iscc /DAppVersion=0.1.0 /DFlavour=cpu packaging\windows\dlwizard.iss
; which writes dist\dlwizard-0.1.0-windows-x64-cpu-setup.exe (the CUDA flavour, larger than
; 2 GB, is split into setup.exe + .bin slices kept side by side).
;
; The installer needs no administrator rights by default (installs for the current user in
; %LOCALAPPDATA%\Programs\dlwizard); it offers "install for all users" when run as admin.
; It adds a Start-menu entry, an optional desktop icon, opens .dlwiz files with dlwizard, and
; uninstalls cleanly (projects, settings and the keychain entries of projects are left alone).
; Silent install, as CI does it:  setup.exe /VERYSILENT /SUPPRESSMSGBOXES /CURRENTUSER /DIR=C:\x

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Flavour
  #define Flavour "cpu"
#endif
#ifndef DistDir
  #define DistDir "..\..\dist"
#endif

[Setup]
AppId={{6F1C3E0A-2B7D-4C1E-9D55-8A3F0B7C2E41}
AppName=dlwizard
AppVersion={#AppVersion}
AppVerName=dlwizard {#AppVersion} ({#Flavour})
AppPublisher=dlwizard
AppComments=Build a machine-learning model the honest way, one guided step at a time.
DefaultDirName={autopf}\dlwizard
DefaultGroupName=dlwizard
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#DistDir}
OutputBaseFilename=dlwizard-{#AppVersion}-windows-x64-{#Flavour}-setup
SetupIconFile={#DistDir}\dlwizard.ico
UninstallDisplayIcon={app}\dlwizard.exe
UninstallDisplayName=dlwizard {#AppVersion}
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes
; torch makes the app large: LZMA2 on one solid block is slow to build but the smallest download.
Compression=lzma2/normal
SolidCompression=yes
LZMANumBlockThreads=4
#if Flavour == "cuda"
; the CUDA libraries take the app past the 2 GB a single setup.exe can hold
DiskSpanning=yes
DiskSliceSize=max
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#DistDir}\dlwizard\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; a previous version's libraries must not linger beside the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\dlwizard"; Filename: "{app}\dlwizard.exe"; Comment: "Build a machine-learning model the honest way"
Name: "{autodesktop}\dlwizard"; Filename: "{app}\dlwizard.exe"; Tasks: desktopicon

[Registry]
; .dlwiz project files open with dlwizard (HKA = per user or per machine, as installed)
Root: HKA; Subkey: "Software\Classes\.dlwiz"; ValueType: string; ValueName: ""; ValueData: "dlwizard.project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\dlwizard.project"; ValueType: string; ValueName: ""; ValueData: "dlwizard project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\dlwizard.project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\dlwizard.exe,0"
Root: HKA; Subkey: "Software\Classes\dlwizard.project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dlwizard.exe"" ""%1"""

[Run]
Filename: "{app}\dlwizard.exe"; Description: "{cm:LaunchProgram,dlwizard}"; Flags: nowait postinstall skipifsilent
