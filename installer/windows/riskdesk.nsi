; RiskDesk's Windows installer (NSIS 3): a per-user install that needs no administrator rights.
;
;   makensis -WX -DVERSION=1.2.3 -DPAYLOAD=<dist\riskdesk> -DICON=<riskdesk.ico> -DOUTFILE=<setup.exe> riskdesk.nsi
;
; installer/build.sh passes the version that the built app reports (`riskdesk-cli.exe --version`), so the
; installer, Add/Remove Programs and the program always agree. PAYLOAD is PyInstaller's one-folder build made on
; Windows (riskdesk.exe, riskdesk-cli.exe, _internal\). On Linux, build.sh compiles this script against a small
; stand-in folder to check it; that installer installs nothing usable.
;
; What it does, all under the current user: copies the program to %LOCALAPPDATA%\Programs\RiskDesk (the folder
; can be changed, e.g. /D=...), adds a Start-menu entry, makes .rdproj files open in RiskDesk (HKCU\Software\
; Classes), and registers its uninstaller in Add/Remove Programs (HKCU ...\Uninstall\RiskDesk). For IT: `/S` runs
; it silently; `"%LOCALAPPDATA%\Programs\RiskDesk\uninstall.exe" /S` removes it silently. Projects, settings and
; autosaves (%LOCALAPPDATA%\RiskDesk) stay when RiskDesk is removed.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "Pass the version: makensis -DVERSION=1.2.3 (installer/build.sh does, from the built app)"
!endif
!ifndef PAYLOAD
  !error "Pass the app folder: makensis -DPAYLOAD=path\to\dist\riskdesk"
!endif
!ifndef ICON
  !error "Pass the icon: makensis -DICON=path\to\riskdesk.ico (installer/icons.py writes it)"
!endif
!ifndef OUTFILE
  !define OUTFILE "riskdesk-${VERSION}-windows-setup.exe"
!endif
!ifndef VERSION4
  !define VERSION4 "${VERSION}.0" ; Windows version resources want four numbers: 1.2.3 -> 1.2.3.0
!endif

!define APP "RiskDesk"
!define PUBLISHER "RiskDesk"
!define DESCRIPTION "See and price your exposure to rare-earth magnet supply risk"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\RiskDesk"
!define PROGID "RiskDesk.Project"
!define SHCNE_ASSOCCHANGED 0x08000000

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
; An update goes where the installed version is.
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP} ${VERSION}"

!include "MUI2.nsh"
!include "FileFunc.nsh"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\riskdesk.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP}"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP} ${VERSION} setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${PUBLISHER}"

Section "RiskDesk" SectionProgram
  SectionIn RO
  SetShellVarContext current
  ; Replace an earlier version's program files, never anything else in the folder.
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\riskdesk.exe" "" "$INSTDIR\riskdesk.exe" 0 SW_SHOWNORMAL "" \
    "${DESCRIPTION}"

  ; .rdproj files open in RiskDesk, for this user.
  WriteRegStr HKCU "Software\Classes\.rdproj" "" "${PROGID}"
  WriteRegStr HKCU "Software\Classes\.rdproj\OpenWithProgids" "${PROGID}" ""
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "RiskDesk project"
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\riskdesk.exe,0"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\riskdesk.exe" gui "%1"'
  System::Call 'shell32::SHChangeNotify(i ${SHCNE_ASSOCCHANGED}, i 0, p 0, p 0)'

  ; Add/Remove Programs (Settings > Apps), for this user.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Comments" "${DESCRIPTION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\riskdesk.exe,0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP}.lnk"

  ; The .rdproj association, if it is still ours.
  ReadRegStr $0 HKCU "Software\Classes\.rdproj" ""
  StrCmp $0 "${PROGID}" 0 +2
    DeleteRegValue HKCU "Software\Classes\.rdproj" ""
  DeleteRegValue HKCU "Software\Classes\.rdproj\OpenWithProgids" "${PROGID}"
  DeleteRegKey /ifempty HKCU "Software\Classes\.rdproj\OpenWithProgids"
  DeleteRegKey /ifempty HKCU "Software\Classes\.rdproj"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  System::Call 'shell32::SHChangeNotify(i ${SHCNE_ASSOCCHANGED}, i 0, p 0, p 0)'
  DeleteRegKey HKCU "${UNINSTALL_KEY}"

  ; Only what the installer put there: a folder the user chose may hold other files.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\riskdesk.exe"
  Delete "$INSTDIR\riskdesk-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
