; Inno Setup script for the Windows build (Inno Setup 6). Build the bundle first, on Windows:
;   python -m PyInstaller --noconfirm --clean packaging\sora-studio.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\sora-studio.iss
; Sign the installer afterwards (or configure SignTool in the IDE):
;   signtool sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /a dist\SoraStudio-0.1.0-setup.exe

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6E0C3F7A-5A55-4C4B-9C0E-50A5D1A5C0DE}
AppName=Sora Studio
AppVersion={#AppVersion}
AppPublisher=Sora Studio
DefaultDirName={autopf}\Sora Studio
DefaultGroupName=Sora Studio
OutputDir=..\..\dist
OutputBaseFilename=SoraStudio-{#AppVersion}-setup
Compression=lzma2/ultra64
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
LicenseFile=..\notices\THIRD-PARTY.md
WizardStyle=modern
DisableProgramGroupPage=yes

[Files]
Source: "..\..\dist\sora-studio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Sora Studio"; Filename: "{app}\sora-studio.exe"
Name: "{autodesktop}\Sora Studio"; Filename: "{app}\sora-studio.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
; a quick check that the installed build works on this machine (no GPU or network needed)
Filename: "{app}\sora-studio.exe"; Parameters: "--self-test"; Description: "Run the self-test now"; Flags: postinstall skipifsilent unchecked runascurrentuser
